//! One task per table: seats, the match, timers, bots and auto-play, the event sequence and its resync
//! buffer, and delivery of every event to every recipient. All table state lives in this task; other
//! tasks reach it only through its bounded mailbox.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use guandan::{Action, Bot, Event, Match, Phase, Seat, Seed};
use protocol::client::{EmoteId, PhraseId, RoomOptions};
use protocol::server::{CloseReason, PlayerInfo, SeatInfo, SuggestedAction, TimerInfo};
use protocol::{
    ClientMessage, GameState, LegalMoves, Recipient, RequestId, ResyncPlan, RoomCode,
    ServerEnvelope, ServerMessage, TableId, TableSnapshot, WireSeat,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::persist::LogOp;
use super::{Service, Sink, TableHandle};
use crate::TablesState;
use crate::ratings::{FinishedMatch, MatchKind, SeatResult};
use api::error::{ApiError, ErrorCode};

/// A table's mailbox message.
#[derive(Debug)]
pub enum Cmd {
    /// A client message about this table.
    Client {
        /// The sender's connection.
        sink: Sink,
        /// Request id to echo.
        id: Option<RequestId>,
        /// The message.
        msg: ClientMessage,
    },
    /// A seated user connected again.
    Attach(Sink),
    /// A connection ended.
    Detach {
        /// Account.
        user_id: i64,
        /// Connection.
        conn_id: u64,
    },
    /// Stop now (server shutdown); the match stays `running` in the log.
    Shutdown(oneshot::Sender<()>),
}

/// One human or bot in a seat.
#[derive(Debug)]
struct Occupant {
    user: Option<i64>,
    name: String,
    sink: Option<Sink>,
    ip: Option<String>,
    ready: bool,
    auto: bool,
    left: bool,
    grace_until: Option<Instant>,
    deadline: Option<Deadline>,
    bot_due: Option<Instant>,
    turn_started: Option<Instant>,
    emote_tokens: f64,
    emote_last: Instant,
    stats: Stats,
}

#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    at_ms: u64,
    duration_ms: u32,
}

#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    actions: i64,
    auto_actions: i64,
    timeouts: i64,
    decision_ms: i64,
}

impl Occupant {
    fn human(sink: Option<Sink>, user: i64, name: String, ip: Option<String>) -> Occupant {
        Occupant {
            user: Some(user),
            name,
            sink,
            ip,
            ready: false,
            auto: false,
            left: false,
            grace_until: None,
            deadline: None,
            bot_due: None,
            turn_started: None,
            emote_tokens: 3.0,
            emote_last: Instant::now(),
            stats: Stats::default(),
        }
    }
    fn bot(n: usize) -> Occupant {
        Occupant {
            user: None,
            name: format!("Bot {n}"),
            ready: true,
            ..Occupant::human(None, 0, String::new(), None)
        }
    }
    fn is_bot(&self) -> bool {
        self.user.is_none()
    }
    fn info(&self) -> PlayerInfo {
        PlayerInfo {
            user_id: self.user.map(super::conn::user_id_wire),
            name: self.name.clone(),
            bot: self.is_bot(),
        }
    }
    /// Whether a bot acts for this seat.
    fn automated(&self) -> bool {
        self.is_bot() || self.auto
    }
}

/// The seat list stored with a match.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct SeatRecord {
    pub seat: u8,
    pub user_id: Option<i64>,
    pub name: String,
    pub bot: bool,
    /// The private room's host sits here (absent in logs written before it was recorded).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
}

/// A table event as buffered for resync: engine events are projected per recipient when sent.
#[derive(Debug, Clone)]
enum TEvent {
    Game(Event),
    Msg(ServerMessage),
}

struct Game {
    m: Match,
    match_id: i64,
    next_idx: i64,
    started_at_ms: i64,
    finished: bool,
    again: HashSet<usize>,
}

/// How a table starts.
struct Init {
    id: TableId,
    kind: MatchKind,
    code: Option<RoomCode>,
    options: RoomOptions,
    host: Option<i64>,
    seats: [Option<Occupant>; 4],
    /// Quick match: start at once and send `match_found` to the seated humans.
    start_now: bool,
    /// A match resumed from the log.
    resume: Option<(Match, i64, i64, i64)>,
}

struct Table {
    state: TablesState,
    svc: Arc<Service>,
    id: TableId,
    kind: MatchKind,
    code: Option<RoomCode>,
    options: RoomOptions,
    host: Option<i64>,
    seats: [Option<Occupant>; 4],
    spectators: HashMap<u64, Sink>,
    game: Option<Game>,
    seq: u64,
    buffer: VecDeque<(u64, TEvent)>,
    close_at: Option<Instant>,
    closed: bool,
    rng: StdRng,
    /// Users the host removed (`room_kick`), with the time they may take a seat again.
    kicked: HashMap<i64, Instant>,
}

/// A fresh table id: `t-` and 16 hex digits.
fn new_table_id(state: &TablesState) -> TableId {
    let id = state.ids.next_id();
    TableId::new(format!("t-{id:016x}")).unwrap_or_else(|_| unreachable!("hex ids are valid"))
}

fn os_seed() -> [u8; 32] {
    let mut b = [0u8; 32];
    if api::token::os_random(&mut b).is_err() {
        // Falls back to a time-and-counter seed; the seed is recorded either way, so replays still work.
        let t = api::clock::now_ms().to_le_bytes();
        b[..8].copy_from_slice(&t);
    }
    b
}

fn kind_name(k: MatchKind) -> &'static str {
    match k {
        MatchKind::Casual => "casual",
        MatchKind::Ranked => "ranked",
        MatchKind::Private => "private",
    }
}

fn kind_from(s: &str) -> MatchKind {
    match s {
        "casual" => MatchKind::Casual,
        "ranked" => MatchKind::Ranked,
        _ => MatchKind::Private,
    }
}

fn profile_name(o: &RoomOptions) -> String {
    serde_json::to_value(o.rules)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "official-2022".into())
}

/// Spawns a table task and registers it.
fn spawn(state: &TablesState, init: Init) -> TableHandle {
    let cfg = &state.guandan.cfg;
    let (tx, rx) = mpsc::channel(cfg.table_mailbox.max(8));
    let handle = TableHandle { tx };
    state
        .guandan
        .insert_table(init.id.as_str().to_owned(), handle.clone());
    for occ in init.seats.iter().flatten() {
        if let Some(u) = occ.user {
            state.guandan.add_seat(u, init.id.as_str());
        }
    }
    let mut t = Table {
        state: state.clone(),
        svc: state.guandan.clone(),
        id: init.id,
        kind: init.kind,
        code: init.code,
        options: init.options,
        host: init.host,
        seats: init.seats,
        spectators: HashMap::new(),
        game: None,
        seq: 0,
        buffer: VecDeque::new(),
        close_at: None,
        closed: false,
        rng: StdRng::from_seed(os_seed()),
        kicked: HashMap::new(),
    };
    if let Some((m, match_id, next_idx, started_at_ms)) = init.resume {
        t.game = Some(Game {
            m,
            match_id,
            next_idx,
            started_at_ms,
            // A log that ends with the match over (the crash came before its result was written) is
            // finished properly when the task starts.
            finished: false,
            again: HashSet::new(),
        });
    }
    let start_now = init.start_now;
    let resumed = t.game.is_some();
    let fresh_room = !start_now && t.game.is_none();
    tokio::spawn(async move {
        // Frames from connections on other nodes, subscribed before the table says anything.
        let routed = match t.svc.router.clone() {
            Some(r) => {
                let sub = r.subscribe_table(t.id.as_str()).await;
                if resumed {
                    // The seated players' connections, wherever they are, attach to it here.
                    let users = t.seats.iter().flatten().filter_map(|o| o.user).collect();
                    r.say(&crate::route::Note::Resumed {
                        table: t.id.as_str().to_owned(),
                        users,
                    })
                    .await;
                }
                sub
            }
            None => None,
        };
        if fresh_room {
            for i in 0..4 {
                if let Some(s) = t.seats[i].as_ref().and_then(|o| o.sink.clone()) {
                    s.reply(None, t.snapshot_msg(Recipient::Seat(seat_of(i))));
                }
            }
        }
        if start_now {
            t.start_quick_match().await;
        }
        if t.game
            .as_ref()
            .is_some_and(|g| g.m.phase() == Phase::MatchOver)
        {
            t.finish().await;
        }
        t.after_change().await;
        t.run(rx, routed).await;
    });
    handle
}

/// Creates a private room with `sink`'s user in seat 0; answers `room_created` and a snapshot.
pub(super) async fn create_room(
    state: &TablesState,
    sink: Sink,
    id: Option<RequestId>,
    options: RoomOptions,
) -> Result<String, ApiError> {
    let svc = &state.guandan;
    if svc.is_shutting_down() || svc.table_count() >= svc.cfg.tables_max {
        return Err(ApiError::with_message(
            ErrorCode::Unavailable,
            "No table can be opened right now; try again later.",
        ));
    }
    let table_id = new_table_id(state);
    let mut rng = StdRng::from_seed(os_seed());
    let alphabet = protocol::limits::ROOM_CODE_ALPHABET.as_bytes();
    let mut code = None;
    for _ in 0..32 {
        let c: String = (0..protocol::limits::ROOM_CODE_CHARS)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect();
        if !svc.reserve_room(&c, table_id.as_str()) {
            continue;
        }
        // In a cluster the code must also be free on every other node.
        if let Some(r) = &svc.router {
            match r.reserve_room(&c, table_id.as_str()).await {
                Ok(true) => {}
                Ok(false) => {
                    svc.remove_table(table_id.as_str(), Some(&c));
                    continue;
                }
                Err(e) => {
                    svc.remove_table(table_id.as_str(), Some(&c));
                    tracing::warn!(error = %e, "room registry unreachable");
                    return Err(ApiError::with_message(
                        ErrorCode::Unavailable,
                        "No room can be opened right now; try again later.",
                    ));
                }
            }
        }
        code = RoomCode::new(c).ok();
        break;
    }
    let Some(code) = code else {
        return Err(ApiError::with_message(
            ErrorCode::Unavailable,
            "No room code is free; try again.",
        ));
    };
    sink.reply(
        id,
        ServerMessage::RoomCreated {
            table_id: table_id.clone(),
            code: code.clone(),
        },
    );
    let host = Occupant::human(
        Some(sink.clone()),
        sink.user_id,
        sink.name.to_string(),
        sink.ip.map(|i| i.to_string()),
    );
    spawn(
        state,
        Init {
            id: table_id.clone(),
            kind: MatchKind::Private,
            code: Some(code),
            options,
            host: Some(sink.user_id),
            seats: [Some(host), None, None, None],
            start_now: false,
            resume: None,
        },
    );
    Ok(table_id.as_str().to_owned())
}

/// Opens a quick-match table for `players` (sinks), bots in the other seats.
pub(super) fn create_quick(state: &TablesState, mode: protocol::MatchMode, players: Vec<Sink>) {
    let cfg = &state.guandan.cfg;
    let options = RoomOptions {
        rules: protocol::client::RulesProfile::Official2022,
        allow_bots: matches!(mode, protocol::MatchMode::Casual),
        allow_spectators: true,
        timers: protocol::client::Timers {
            play_ms: cfg.play_timer_ms,
            tribute_ms: cfg.tribute_timer_ms,
            return_ms: cfg.return_timer_ms,
        },
        fast_bots: cfg.fast_bots,
    };
    let mut seats: [Option<Occupant>; 4] = [None, None, None, None];
    for (i, p) in players.into_iter().take(4).enumerate() {
        seats[i] = Some(Occupant::human(
            Some(p.clone()),
            p.user_id,
            p.name.to_string(),
            p.ip.map(|i| i.to_string()),
        ));
    }
    let mut n = 0;
    for s in seats.iter_mut() {
        if s.is_none() {
            n += 1;
            *s = Some(Occupant::bot(n));
        }
    }
    spawn(
        state,
        Init {
            id: new_table_id(state),
            kind: match mode {
                protocol::MatchMode::Casual => MatchKind::Casual,
                protocol::MatchMode::Ranked => MatchKind::Ranked,
            },
            code: None,
            options,
            host: None,
            seats,
            start_now: true,
            resume: None,
        },
    );
}

/// Re-opens a running match from its log.
pub(super) async fn resume(
    state: &TablesState,
    rec: store::GuandanMatchRecord,
) -> Result<(), String> {
    let options: RoomOptions =
        serde_json::from_str(&rec.options_json).map_err(|e| e.to_string())?;
    let seats_rec: Vec<SeatRecord> =
        serde_json::from_str(&rec.seats_json).map_err(|e| e.to_string())?;
    let seed: Seed = serde_json::from_value(serde_json::Value::String(rec.seed.clone()))
        .map_err(|e| e.to_string())?;
    let rows = state
        .store
        .guandan_actions(rec.id)
        .await
        .map_err(|e| e.to_string())?;
    let mut actions = Vec::with_capacity(rows.len());
    for r in &rows {
        actions.push(serde_json::from_str::<Action>(&r.action_json).map_err(|e| e.to_string())?);
    }
    let m = guandan::game::replay(seed, options.rules.rules(), &actions)
        .map_err(|(i, e)| format!("action {i} does not replay: {e}"))?;
    let kind = kind_from(&rec.kind);
    // The host recorded with the seats; for older logs, the private room's lowest-seated human.
    let host = seats_rec
        .iter()
        .find(|s| s.host)
        .or_else(|| {
            seats_rec
                .iter()
                .filter(|s| kind == MatchKind::Private && !s.bot && s.user_id.is_some())
                .min_by_key(|s| s.seat)
        })
        .and_then(|s| s.user_id);
    let mut seats: [Option<Occupant>; 4] = [None, None, None, None];
    for s in seats_rec {
        let i = usize::from(s.seat.min(3));
        seats[i] = Some(match s.user_id {
            Some(u) if !s.bot => {
                let mut o = Occupant::human(None, u, s.name, None);
                o.ready = true;
                o
            }
            _ => {
                let mut b = Occupant::bot(i + 1);
                b.name = s.name;
                b
            }
        });
    }
    if seats.iter().any(Option::is_none) {
        return Err("the stored seats are incomplete".into());
    }
    let id = TableId::new(rec.table_id.clone()).map_err(|e| e.to_string())?;
    let code = rec
        .room_code
        .as_ref()
        .and_then(|c| RoomCode::new(c.clone()).ok());
    if let Some(c) = &code {
        state.guandan.reserve_room(c.as_str(), id.as_str());
        if let Some(r) = &state.guandan.router {
            // The code's lease is held by the table's id: taken again here whoever held it last.
            if let Err(e) = r.reserve_room(c.as_str(), id.as_str()).await {
                tracing::warn!(error = %e, table = %id, "room code not registered again");
            }
        }
    }
    let n = i64::try_from(actions.len()).unwrap_or(i64::MAX);
    tracing::info!(table_id = %id, match_id = rec.id, actions = n, "guandan table resumed from its log");
    spawn(
        state,
        Init {
            id,
            kind,
            code,
            options,
            host,
            seats,
            start_now: false,
            resume: Some((m, rec.id, n, rec.started_at_ms)),
        },
    );
    Ok(())
}

/// The next frame routed to this table from another node (never, when embedded).
async fn next_routed(sub: &mut Option<bus::Subscription>) -> Option<bus::Message> {
    match sub {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

fn ms(d: u64) -> Duration {
    Duration::from_millis(d)
}

fn seat_of(i: usize) -> Seat {
    Seat::wrapping(u8::try_from(i).unwrap_or(0))
}

impl Table {
    async fn run(&mut self, mut rx: mpsc::Receiver<Cmd>, mut routed: Option<bus::Subscription>) {
        let router = self.svc.router.clone();
        while !self.closed {
            let wake = self.next_wake();
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(c) => self.on_cmd(c).await,
                },
                msg = next_routed(&mut routed) => match (msg, &router) {
                    (Some(msg), Some(router)) => {
                        let cmd = router.command(&self.svc, self.id.as_str(), &msg);
                        router.answer(&msg, cmd.is_some()).await;
                        if let Some(c) = cmd {
                            self.on_cmd(c).await;
                        }
                    }
                    _ => routed = None,
                },
                () = tokio::time::sleep_until(wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))), if wake.is_some() => {
                    self.on_time().await;
                }
            }
        }
        self.svc
            .remove_table(self.id.as_str(), self.code.as_ref().map(RoomCode::as_str));
        for occ in self.seats.iter().flatten() {
            if let Some(u) = occ.user {
                self.svc.remove_seat(u, self.id.as_str());
            }
        }
    }

    fn paused(&self) -> bool {
        !self
            .seats
            .iter()
            .flatten()
            .any(|o| !o.is_bot() && !o.left && o.sink.is_some())
    }

    fn next_wake(&self) -> Option<Instant> {
        let mut w: Option<Instant> = self.close_at;
        let mut take = |t: Option<Instant>| {
            if let Some(t) = t {
                w = Some(w.map_or(t, |x| x.min(t)));
            }
        };
        if !self.paused() {
            for o in self.seats.iter().flatten() {
                take(o.grace_until);
                take(o.deadline.map(|d| d.at));
                take(o.bot_due);
            }
        }
        w
    }

    async fn on_time(&mut self) {
        let now = Instant::now();
        if self.close_at.is_some_and(|t| t <= now) {
            let reason = if self.game.as_ref().is_some_and(|g| g.finished) {
                CloseReason::Finished
            } else {
                CloseReason::Abandoned
            };
            self.close(reason).await;
            return;
        }
        if self.paused() {
            return;
        }
        let running = self.game.as_ref().is_some_and(|g| !g.finished);
        for i in 0..4 {
            let Some(o) = self.seats[i].as_mut() else {
                continue;
            };
            if o.grace_until.is_some_and(|t| t <= now) {
                o.grace_until = None;
                if !o.auto && running {
                    self.set_auto(i, true);
                }
            }
        }
        for i in 0..4 {
            let (timed_out, bot_due) = match self.seats[i].as_ref() {
                Some(o) => (
                    o.deadline.is_some_and(|d| d.at <= now),
                    o.bot_due.is_some_and(|t| t <= now),
                ),
                None => continue,
            };
            if timed_out {
                if let Some(o) = self.seats[i].as_mut() {
                    o.stats.timeouts += 1;
                    o.deadline = None;
                }
                metrics::counter!("guandan_timeouts_total").increment(1);
                if !self.seats[i].as_ref().is_some_and(|o| o.auto) {
                    self.set_auto(i, true);
                }
                self.bot_act(i).await;
            } else if bot_due {
                self.bot_act(i).await;
            }
        }
        self.after_change().await;
    }

    async fn on_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Client { sink, id, msg } => self.on_client(sink, id, msg).await,
            Cmd::Attach(sink) => self.attach(sink).await,
            Cmd::Detach { user_id, conn_id } => {
                self.spectators.remove(&conn_id);
                if let Some(i) = self.seat_index(user_id)
                    && self.seats[i]
                        .as_ref()
                        .and_then(|o| o.sink.as_ref())
                        .is_some_and(|s| s.conn_id == conn_id)
                {
                    self.disconnect(i);
                }
                self.after_change().await;
            }
            Cmd::Shutdown(done) => {
                // In a cluster another node resumes the match and its players' connections attach
                // to it there: nothing closes for them.
                if self.svc.router.is_none() {
                    self.emit(TEvent::Msg(ServerMessage::TableClosed {
                        reason: CloseReason::Shutdown,
                    }));
                }
                self.closed = true;
                let _ = done.send(());
            }
        }
    }

    fn seat_index(&self, user: i64) -> Option<usize> {
        self.seats
            .iter()
            .position(|o| o.as_ref().is_some_and(|o| o.user == Some(user)))
    }

    fn disconnect(&mut self, i: usize) {
        let running = self.game.as_ref().is_some_and(|g| !g.finished);
        let grace = self.svc.cfg.disconnect_grace_ms;
        if let Some(o) = self.seats[i].as_mut() {
            o.sink = None;
            if running && !o.auto {
                o.grace_until = Some(Instant::now() + ms(grace));
            }
        }
        self.emit(TEvent::Msg(ServerMessage::Presence {
            seat: WireSeat(seat_of(i)),
            connected: false,
        }));
    }

    async fn attach(&mut self, sink: Sink) {
        let Some(i) = self.seat_index(sink.user_id) else {
            return;
        };
        if self.seats[i].as_ref().is_some_and(|o| o.left) {
            return;
        }
        let was_connected = self.seats[i].as_ref().is_some_and(|o| o.sink.is_some());
        if let Some(o) = self.seats[i].as_mut() {
            o.sink = None;
            o.grace_until = None;
            o.ip = sink.ip.map(|i| i.to_string());
        }
        if !was_connected {
            self.emit(TEvent::Msg(ServerMessage::Presence {
                seat: WireSeat(seat_of(i)),
                connected: true,
            }));
        }
        if self.seats[i].as_ref().is_some_and(|o| o.auto) {
            self.set_auto(i, false);
        }
        if let Some(o) = self.seats[i].as_mut() {
            // The running timer keeps its deadline (a reconnect buys no time); the snapshot shows it.
            o.sink = Some(sink.clone());
        }
        sink.reply(None, self.snapshot_msg(Recipient::Seat(seat_of(i))));
        let had_deadline = self.seats[i].as_ref().is_some_and(|o| o.deadline.is_some());
        self.after_change().await;
        if had_deadline {
            self.send_legal_moves(i);
        }
    }

    fn set_auto(&mut self, i: usize, on: bool) {
        if let Some(o) = self.seats[i].as_mut() {
            if o.is_bot() || o.auto == on {
                return;
            }
            o.auto = on;
            if !on {
                o.bot_due = None;
            }
        }
        self.emit(TEvent::Msg(ServerMessage::AutoPlay {
            seat: WireSeat(seat_of(i)),
            on,
        }));
    }

    /// Re-plans timers and bots after any change, and closes or pauses the table when due.
    async fn after_change(&mut self) {
        let finished = self.game.as_ref().is_some_and(|g| g.finished);
        if self.paused() {
            // Nobody is connected: the table pauses (no timers, no bots) and closes unless someone returns.
            if self.close_at.is_none() {
                self.close_at = Some(Instant::now() + ms(self.svc.cfg.abandoned_close_ms));
            }
        } else if !finished {
            self.close_at = None;
        }
        self.schedule();
    }

    fn schedule(&mut self) {
        let Some(g) = self.game.as_ref() else {
            return;
        };
        if g.finished {
            for o in self.seats.iter_mut().flatten() {
                o.deadline = None;
                o.bot_due = None;
            }
            return;
        }
        let awaiting = g.m.awaiting();
        let phase = g.m.phase();
        let timers = self.options.timers;
        let fast = self.options.fast_bots;
        let (dmin, dmax) = (self.svc.cfg.bot_delay_ms_min, self.svc.cfg.bot_delay_ms_max);
        let mut starts: Vec<(usize, Deadline)> = Vec::new();
        for i in 0..4 {
            let Some(o) = self.seats[i].as_mut() else {
                continue;
            };
            if !awaiting.contains(&seat_of(i)) {
                o.deadline = None;
                o.bot_due = None;
                o.turn_started = None;
                continue;
            }
            if o.automated() && o.bot_due.is_none() {
                let delay = if fast {
                    0
                } else {
                    self.rng.random_range(dmin..=dmax.max(dmin))
                };
                o.bot_due = Some(Instant::now() + ms(delay));
            }
            if !o.is_bot() && o.deadline.is_none() {
                let duration_ms = match phase {
                    Phase::Tribute => timers.tribute_ms,
                    Phase::Return => timers.return_ms,
                    _ => timers.play_ms,
                };
                let d = Deadline {
                    at: Instant::now() + ms(u64::from(duration_ms)),
                    at_ms: u64::try_from(self.state.auth.clock.now_ms()).unwrap_or(0)
                        + u64::from(duration_ms),
                    duration_ms,
                };
                o.deadline = Some(d);
                o.turn_started = Some(Instant::now());
                starts.push((i, d));
            }
        }
        for (i, d) in starts {
            self.emit(TEvent::Msg(ServerMessage::TimerStarted {
                seat: WireSeat(seat_of(i)),
                deadline_ms: d.at_ms,
                duration_ms: d.duration_ms,
            }));
            self.send_legal_moves(i);
        }
    }

    fn send_legal_moves(&mut self, i: usize) {
        let (Some(g), Some(sink)) = (
            self.game.as_ref(),
            self.seats[i].as_ref().and_then(|o| o.sink.clone()),
        ) else {
            return;
        };
        if g.finished || !g.m.awaiting().contains(&seat_of(i)) {
            return;
        }
        let lm = if self.svc.cfg.full_legal_moves {
            LegalMoves::of(self.id.clone(), &g.m, seat_of(i))
        } else {
            LegalMoves::compact_of(self.id.clone(), &g.m, seat_of(i))
        };
        sink.reply(None, ServerMessage::LegalMoves(lm));
    }

    /// Appends a table event and delivers it: serialized once per recipient class (the event's own
    /// seat, everyone else).
    fn emit(&mut self, ev: TEvent) {
        self.seq += 1;
        let seq = self.seq;
        let audience = match &ev {
            TEvent::Game(e) => e.audience(),
            TEvent::Msg(_) => None,
        };
        let mut public: Option<Utf8Bytes> = None;
        let mut private: Option<Utf8Bytes> = None;
        let mut slow: Vec<usize> = Vec::new();
        for i in 0..4 {
            let Some(sink) = self.seats[i].as_ref().and_then(|o| o.sink.as_ref()) else {
                continue;
            };
            let own = audience == Some(seat_of(i));
            let slot = if own { &mut private } else { &mut public };
            let frame = slot
                .get_or_insert_with(|| {
                    frame(
                        &self.id,
                        seq,
                        &ev,
                        if own {
                            Recipient::Seat(seat_of(i))
                        } else {
                            Recipient::Spectator
                        },
                    )
                })
                .clone();
            if !sink.push(frame) {
                slow.push(i);
            }
        }
        if !self.spectators.is_empty() {
            let frame = public
                .get_or_insert_with(|| frame(&self.id, seq, &ev, Recipient::Spectator))
                .clone();
            self.spectators.retain(|_, s| s.push(frame.clone()));
        }
        self.buffer.push_back((seq, ev));
        while self.buffer.len() > self.svc.cfg.event_buffer_max.max(16) {
            self.buffer.pop_front();
        }
        for i in slow {
            // The connection is being closed; treat the seat as disconnected now.
            self.disconnect(i);
        }
    }

    fn seat_infos(&self) -> Vec<SeatInfo> {
        (0..4)
            .map(|i| {
                let o = self.seats[i].as_ref();
                SeatInfo {
                    seat: WireSeat(seat_of(i)),
                    player: o.map(Occupant::info),
                    connected: o.is_some_and(|o| o.is_bot() || o.sink.is_some()),
                    ready: o.is_some_and(|o| o.ready),
                    auto_play: o.is_some_and(|o| o.auto),
                }
            })
            .collect()
    }

    fn snapshot_msg(&self, to: Recipient) -> ServerMessage {
        let timer = self.seats.iter().enumerate().find_map(|(i, o)| {
            o.as_ref().and_then(|o| o.deadline).map(|d| TimerInfo {
                seat: WireSeat(seat_of(i)),
                deadline_ms: d.at_ms,
                duration_ms: d.duration_ms,
            })
        });
        ServerMessage::TableSnapshot(Box::new(TableSnapshot {
            table_id: self.id.clone(),
            seq: self.seq,
            seat: to.seat().map(WireSeat),
            options: self.options,
            host: self.host.map(super::conn::user_id_wire),
            seats: self.seat_infos(),
            game: self.game.as_ref().map(|g| GameState::of(&g.m, to)),
            timer,
        }))
    }

    fn recipient_of(&self, sink: &Sink) -> Option<Recipient> {
        if let Some(i) = self.seat_index(sink.user_id)
            && !self.seats[i].as_ref().is_some_and(|o| o.left)
        {
            return Some(Recipient::Seat(seat_of(i)));
        }
        self.spectators
            .contains_key(&sink.conn_id)
            .then_some(Recipient::Spectator)
    }

    /// One client request for this table, dispatched to its handler.
    async fn on_client(&mut self, sink: Sink, id: Option<RequestId>, msg: ClientMessage) {
        match msg {
            ClientMessage::Spectate { .. } => self.on_spectate(sink, id).await,
            ClientMessage::Resync { last_seq, .. } => self.on_resync(sink, id, last_seq).await,
            ClientMessage::TakeSeat { seat, .. } => self.on_take_seat(sink, id, seat).await,
            ClientMessage::Ready { .. } => self.on_ready(sink, id).await,
            ClientMessage::Play { .. }
            | ClientMessage::Pass { .. }
            | ClientMessage::Tribute { .. }
            | ClientMessage::Return { .. } => self.on_action(sink, id, &msg).await,
            ClientMessage::Hint { .. } => self.on_hint(sink, id).await,
            ClientMessage::Emote { emote, .. } => self.on_emote(sink, id, emote).await,
            ClientMessage::QuickPhrase { phrase, .. } => {
                self.on_quick_phrase(sink, id, phrase).await
            }
            ClientMessage::Leave { .. } => self.on_leave(sink, id).await,
            ClientMessage::PlayAgain { .. } => self.on_play_again(sink, id).await,
            ClientMessage::RoomUpdate { options, .. } => {
                self.on_room_update(sink, id, options).await
            }
            ClientMessage::RoomKick { seat, .. } => self.on_room_kick(sink, id, seat).await,
            ClientMessage::Ping {}
            | ClientMessage::QuickMatchJoin { .. }
            | ClientMessage::QuickMatchCancel {}
            | ClientMessage::RoomCreate { .. }
            | ClientMessage::RoomJoin { .. }
            | ClientMessage::AuthRefresh { .. }
            | ClientMessage::ReportPlayer { .. } => {}
        }
    }

    /// `spectate` (and `room_join`, which arrives as a spectate of the room's table).
    async fn on_spectate(&mut self, sink: Sink, id: Option<RequestId>) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let conflict = ErrorCode::Conflict.as_str();
        // `room_join` arrives here too (as `spectate` of the room's table).
        if let Some(r @ Recipient::Seat(_)) = self.recipient_of(&sink) {
            if let Some(i) = self.seat_index(sink.user_id)
                && let Some(o) = self.seats[i].as_mut()
                && o.sink.as_ref().is_none_or(|s| s.conn_id != sink.conn_id)
            {
                o.sink = Some(sink.clone());
            }
            sink.reply(id, self.snapshot_msg(r));
            return;
        }
        if !self.options.allow_spectators && self.code.is_none() {
            return refuse(
                &sink,
                id,
                forbidden,
                "This table does not allow spectators.",
            );
        }
        if self.spectators.len() >= self.svc.cfg.spectators_max {
            return refuse(&sink, id, conflict, "This table has too many spectators.");
        }
        self.spectators.insert(sink.conn_id, sink.clone());
        sink.reply(id, self.snapshot_msg(Recipient::Spectator));
    }

    /// `resync`: replay from the buffer, or a snapshot when it no longer reaches back.
    async fn on_resync(&mut self, sink: Sink, id: Option<RequestId>, last_seq: u64) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(to) = self.recipient_of(&sink) else {
            return refuse(&sink, id, forbidden, "You are not at this table.");
        };
        let oldest = self.buffer.front().map(|(s, _)| *s);
        match protocol::resync_plan(last_seq, oldest, self.seq) {
            ResyncPlan::UpToDate => {
                sink.reply(id, ServerMessage::Ack {});
            }
            ResyncPlan::Replay { from_seq, .. } => {
                sink.reply(id, ServerMessage::Ack {});
                for (seq, ev) in self.buffer.iter().filter(|(s, _)| *s >= from_seq) {
                    sink.push(frame(&self.id, *seq, ev, to));
                }
            }
            ResyncPlan::Snapshot => {
                sink.reply(id, self.snapshot_msg(to));
                if let Recipient::Seat(s) = to {
                    self.send_legal_moves(s.index());
                }
            }
        }
    }

    /// `take_seat` in a private room before the match.
    async fn on_take_seat(&mut self, sink: Sink, id: Option<RequestId>, seat: WireSeat) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let conflict = ErrorCode::Conflict.as_str();
        if self.kind != MatchKind::Private {
            return refuse(
                &sink,
                id,
                forbidden,
                "Seats at quick-match tables are assigned.",
            );
        }
        if self.game.is_some() {
            return refuse(
                &sink,
                id,
                protocol::errors::WRONG_PHASE,
                "The match has already started.",
            );
        }
        let now = Instant::now();
        self.kicked.retain(|_, until| *until > now);
        if self.kicked.contains_key(&sink.user_id) {
            return refuse(
                &sink,
                id,
                protocol::errors::KICKED_RECENTLY,
                "The host removed you from this room; you may take a seat again later.",
            );
        }
        let want = seat.0.index();
        if self.seats[want].is_some() {
            return refuse(&sink, id, conflict, "That seat is taken.");
        }
        if let Some(old) = self.seat_index(sink.user_id) {
            self.seats[old] = None;
            self.emit(TEvent::Msg(ServerMessage::SeatChanged {
                seat: WireSeat(seat_of(old)),
                player: None,
            }));
        }
        self.spectators.remove(&sink.conn_id);
        let occ = Occupant::human(
            Some(sink.clone()),
            sink.user_id,
            sink.name.to_string(),
            sink.ip.map(|i| i.to_string()),
        );
        let info = occ.info();
        self.seats[want] = Some(occ);
        self.svc.add_seat(sink.user_id, self.id.as_str());
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::SeatChanged {
            seat: WireSeat(seat_of(want)),
            player: Some(info),
        }));
    }

    /// `ready`: the match starts when four seats are ready.
    async fn on_ready(&mut self, sink: Sink, id: Option<RequestId>) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(&sink, id, forbidden, "Take a seat first.");
        };
        if self.game.is_some() {
            return refuse(
                &sink,
                id,
                protocol::errors::WRONG_PHASE,
                "The match has already started.",
            );
        }
        if let Some(o) = self.seats[i].as_mut() {
            o.ready = true;
        }
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::PlayerReady {
            seat: WireSeat(seat_of(i)),
        }));
        self.maybe_start_room().await;
    }

    /// `play`, `pass`, `tribute`, `return`: a move of the sender's seat.
    async fn on_action(&mut self, sink: Sink, id: Option<RequestId>, msg: &ClientMessage) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(&sink, id, forbidden, "You are not seated at this table.");
        };
        let Some(g) = self.game.as_mut() else {
            return refuse(
                &sink,
                id,
                protocol::errors::WRONG_PHASE,
                "The match has not started.",
            );
        };
        let Some(action) = msg.action(seat_of(i)) else {
            return;
        };
        match g.m.apply_mut(action) {
            Err(e) => {
                let p = protocol::errors::rule_error_payload(&e);
                sink.reply(id, ServerMessage::Error(p));
            }
            Ok(events) => {
                if let Some(o) = self.seats[i].as_mut()
                    && o.left
                {
                    // A player who left may come back by acting.
                    o.left = false;
                    self.svc.add_seat(sink.user_id, self.id.as_str());
                }
                if let Some(o) = self.seats[i].as_mut()
                    && o.sink.as_ref().is_none_or(|s| s.conn_id != sink.conn_id)
                {
                    o.sink = Some(sink.clone());
                }
                sink.reply(id, ServerMessage::Ack {});
                if self.seats[i].as_ref().is_some_and(|o| o.auto) {
                    self.set_auto(i, false);
                }
                self.applied(i, action, events, false).await;
                self.after_change().await;
            }
        }
    }

    /// `hint` (also the player taking the seat back from auto-play).
    async fn on_hint(&mut self, sink: Sink, id: Option<RequestId>) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(&sink, id, forbidden, "You are not seated at this table.");
        };
        // Asking for a hint is the player taking the seat back from auto-play ("take back").
        if self.seats[i].as_ref().is_some_and(|o| o.auto) {
            self.set_auto(i, false);
            self.after_change().await;
        }
        match self.bot_choice(i) {
            Some(a) => {
                sink.reply(
                    id,
                    ServerMessage::Hint {
                        table_id: self.id.clone(),
                        action: SuggestedAction::from(a),
                    },
                );
            }
            None => refuse(
                &sink,
                id,
                protocol::errors::NOT_YOUR_TURN,
                "It is not your turn.",
            ),
        }
    }

    /// `emote`.
    async fn on_emote(&mut self, sink: Sink, id: Option<RequestId>, emote: EmoteId) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(&sink, id, forbidden, "Only seated players can send emotes.");
        };
        if !self.take_emote_token(i) {
            return refuse(
                &sink,
                id,
                ErrorCode::RateLimited.as_str(),
                "You are sending emotes too fast.",
            );
        }
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::Emote {
            seat: WireSeat(seat_of(i)),
            emote,
        }));
    }

    /// `quick_phrase`.
    async fn on_quick_phrase(&mut self, sink: Sink, id: Option<RequestId>, phrase: PhraseId) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(
                &sink,
                id,
                forbidden,
                "Only seated players can send phrases.",
            );
        };
        if !self.take_emote_token(i) {
            return refuse(
                &sink,
                id,
                ErrorCode::RateLimited.as_str(),
                "You are sending phrases too fast.",
            );
        }
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::QuickPhrase {
            seat: WireSeat(seat_of(i)),
            phrase,
        }));
    }

    /// `leave`.
    async fn on_leave(&mut self, sink: Sink, id: Option<RequestId>) {
        self.spectators.remove(&sink.conn_id);
        if let Some(i) = self.seat_index(sink.user_id) {
            self.svc.remove_seat(sink.user_id, self.id.as_str());
            let running = self.game.as_ref().is_some_and(|g| !g.finished);
            if running {
                if let Some(o) = self.seats[i].as_mut() {
                    o.left = true;
                    o.sink = None;
                    o.grace_until = None;
                }
                self.set_auto(i, true);
            } else {
                self.seats[i] = None;
                self.emit(TEvent::Msg(ServerMessage::SeatChanged {
                    seat: WireSeat(seat_of(i)),
                    player: None,
                }));
            }
        }
        sink.reply(id, ServerMessage::Ack {});
        self.after_change().await;
    }

    /// `play_again` after the match result.
    async fn on_play_again(&mut self, sink: Sink, id: Option<RequestId>) {
        let forbidden = ErrorCode::Forbidden.as_str();
        let Some(i) = self.seat_index(sink.user_id) else {
            return refuse(&sink, id, forbidden, "You are not seated at this table.");
        };
        let Some(g) = self.game.as_mut() else {
            return refuse(
                &sink,
                id,
                protocol::errors::WRONG_PHASE,
                "The match has not started.",
            );
        };
        if !g.finished {
            return refuse(
                &sink,
                id,
                protocol::errors::WRONG_PHASE,
                "The match is still running.",
            );
        }
        g.again.insert(i);
        sink.reply(id, ServerMessage::Ack {});
        let everyone = (0..4).all(|s| {
            g.again.contains(&s) || self.seats[s].as_ref().is_none_or(|o| o.is_bot() || o.left)
        });
        if everyone {
            let mut n = 0;
            for s in 0..4 {
                if self.seats[s].as_ref().is_none_or(|o| o.left) {
                    if !self.options.allow_bots && self.kind == MatchKind::Private {
                        self.seats[s] = None;
                        continue;
                    }
                    n += 1;
                    let b = Occupant::bot(n);
                    let info = b.info();
                    self.seats[s] = Some(b);
                    self.emit(TEvent::Msg(ServerMessage::SeatChanged {
                        seat: WireSeat(seat_of(s)),
                        player: Some(info),
                    }));
                }
            }
            for o in self.seats.iter_mut().flatten() {
                o.auto = false;
                o.stats = Stats::default();
            }
            if self.seats.iter().all(Option::is_some) {
                self.close_at = None;
                self.start_match().await;
            } else {
                self.game = None;
                for o in self.seats.iter_mut().flatten() {
                    o.ready = o.is_bot();
                }
            }
            self.after_change().await;
        }
    }

    /// `room_update` (host only, between matches).
    async fn on_room_update(&mut self, sink: Sink, id: Option<RequestId>, options: RoomOptions) {
        if let Err((code, m)) = self.host_may_change(&sink) {
            return refuse(&sink, id, code, m);
        }
        self.options = options;
        // Everyone agrees to the new options again: ready flags and `play_again` reset.
        for o in self.seats.iter_mut().flatten() {
            if !o.is_bot() {
                o.ready = false;
            }
        }
        if let Some(g) = self.game.as_mut() {
            g.again.clear();
        }
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::RoomUpdated { options }));
    }

    /// `room_kick` (host only, between matches).
    async fn on_room_kick(&mut self, sink: Sink, id: Option<RequestId>, seat: WireSeat) {
        if let Err((code, m)) = self.host_may_change(&sink) {
            return refuse(&sink, id, code, m);
        }
        let i = seat.0.index();
        match self.seats[i].as_ref() {
            None => {
                return refuse(
                    &sink,
                    id,
                    protocol::errors::INVALID_SEAT,
                    "That seat is empty.",
                );
            }
            Some(o) if o.user == Some(sink.user_id) => {
                return refuse(
                    &sink,
                    id,
                    protocol::errors::INVALID_SEAT,
                    "You cannot remove yourself; leave the room instead.",
                );
            }
            Some(_) => {}
        }
        let Some(o) = self.seats[i].take() else {
            return;
        };
        let info = o.info();
        if let Some(u) = o.user {
            self.svc.remove_seat(u, self.id.as_str());
            let until = Instant::now() + ms(self.svc.cfg.room_kick_rejoin_ms);
            self.kicked.insert(u, until);
            // The removed player keeps watching the room (it may come back by code later).
            if let Some(s) = o.sink.filter(|_| !o.left)
                && self.spectators.len() < self.svc.cfg.spectators_max
            {
                self.spectators.insert(s.conn_id, s);
            }
        }
        if let Some(g) = self.game.as_mut() {
            g.again.remove(&i);
        }
        sink.reply(id, ServerMessage::Ack {});
        self.emit(TEvent::Msg(ServerMessage::PlayerKicked {
            seat,
            player: info,
        }));
        self.emit(TEvent::Msg(ServerMessage::SeatChanged {
            seat,
            player: None,
        }));
        self.after_change().await;
    }

    /// Host controls (`room_update`, `room_kick`): only the host of a private room, seated at it, and
    /// only while no match is running (before the first deal, or after `match_result`).
    fn host_may_change(&self, sink: &Sink) -> Result<(), (&'static str, &'static str)> {
        let is_host = self.kind == MatchKind::Private
            && self.host == Some(sink.user_id)
            && self.seat_index(sink.user_id).is_some();
        if !is_host {
            return Err((
                protocol::errors::NOT_HOST,
                "Only the room's host can do that.",
            ));
        }
        if self.game.as_ref().is_some_and(|g| !g.finished) {
            return Err((
                protocol::errors::MATCH_RUNNING,
                "The room cannot be changed while a match is running.",
            ));
        }
        Ok(())
    }

    fn take_emote_token(&mut self, i: usize) -> bool {
        let interval = self.svc.cfg.emote_interval_ms.max(1) as f64;
        let burst = f64::from(self.svc.cfg.emote_burst.max(1));
        let Some(o) = self.seats[i].as_mut() else {
            return false;
        };
        let now = Instant::now();
        let dt = now.duration_since(o.emote_last).as_millis() as f64;
        o.emote_last = now;
        o.emote_tokens = (o.emote_tokens + dt / interval).min(burst);
        if o.emote_tokens >= 1.0 {
            o.emote_tokens -= 1.0;
            true
        } else {
            false
        }
    }

    async fn maybe_start_room(&mut self) {
        if self.game.is_some() {
            return;
        }
        let humans: Vec<&Occupant> = self
            .seats
            .iter()
            .flatten()
            .filter(|o| !o.is_bot())
            .collect();
        if humans.is_empty() || !humans.iter().all(|o| o.ready) {
            return;
        }
        let full = self.seats.iter().all(Option::is_some);
        let host_ready = self
            .host
            .and_then(|h| self.seat_index(h))
            .and_then(|i| self.seats[i].as_ref())
            .is_some_and(|o| o.ready);
        if !(full || (self.options.allow_bots && host_ready)) {
            return;
        }
        let mut n = 0;
        for s in 0..4 {
            if self.seats[s].is_none() {
                n += 1;
                let b = Occupant::bot(n);
                let info = b.info();
                self.seats[s] = Some(b);
                self.emit(TEvent::Msg(ServerMessage::SeatChanged {
                    seat: WireSeat(seat_of(s)),
                    player: Some(info),
                }));
            }
        }
        self.start_match().await;
        self.after_change().await;
    }

    async fn start_quick_match(&mut self) {
        let mode = match self.kind {
            MatchKind::Ranked => protocol::MatchMode::Ranked,
            _ => protocol::MatchMode::Casual,
        };
        for i in 0..4 {
            if let Some(s) = self.seats[i].as_ref().and_then(|o| o.sink.clone()) {
                s.reply(
                    None,
                    ServerMessage::MatchFound {
                        table_id: self.id.clone(),
                        mode,
                        seat: WireSeat(seat_of(i)),
                    },
                );
                s.reply(None, self.snapshot_msg(Recipient::Seat(seat_of(i))));
            }
            if let Some(o) = self.seats[i].as_mut() {
                o.ready = true;
            }
        }
        self.start_match().await;
    }

    async fn start_match(&mut self) {
        let seed = Seed(os_seed());
        let (m, events) = Match::new(seed, self.options.rules.rules());
        let match_id = self.state.ids.next_id();
        let now_ms = self.state.auth.clock.now_ms();
        let seats: Vec<SeatRecord> = (0..4)
            .filter_map(|i| {
                self.seats[i].as_ref().map(|o| SeatRecord {
                    seat: u8::try_from(i).unwrap_or(0),
                    user_id: o.user,
                    name: o.name.clone(),
                    bot: o.is_bot(),
                    host: o.user.is_some() && o.user == self.host,
                })
            })
            .collect();
        let players = seats
            .iter()
            .filter_map(|s| s.user_id.map(|u| (i64::from(s.seat), u)))
            .collect();
        let rec = store::NewGuandanMatch {
            id: match_id,
            table_id: self.id.as_str().to_owned(),
            room_code: self.code.as_ref().map(|c| c.as_str().to_owned()),
            kind: kind_name(self.kind).to_owned(),
            rules: profile_name(&self.options),
            options_json: serde_json::to_string(&self.options).unwrap_or_else(|_| "{}".into()),
            seed: hex::encode(seed.0),
            seats_json: serde_json::to_string(&seats).unwrap_or_else(|_| "[]".into()),
            players,
            started_at_ms: now_ms,
        };
        self.enqueue(LogOp::Create(Box::new(rec))).await;
        self.game = Some(Game {
            m,
            match_id,
            next_idx: 0,
            started_at_ms: now_ms,
            finished: false,
            again: HashSet::new(),
        });
        for ev in events {
            self.emit(TEvent::Game(ev));
        }
    }

    /// Queues a log write (see `persist` for the design): no database round trip here; the table waits
    /// only when the writer is a whole queue behind.
    async fn enqueue(&self, op: LogOp) {
        if self.svc.log.send(op).await.is_err() {
            tracing::error!("guandan log writer is gone");
        }
    }

    fn bot_choice(&mut self, i: usize) -> Option<Action> {
        let g = self.game.as_ref()?;
        if g.finished {
            return None;
        }
        let seat = seat_of(i);
        let legal = g.m.compact_actions(seat);
        if legal.is_empty() {
            return None;
        }
        let view = g.m.view(Some(seat));
        let k = guandan::expert::ExpertBot.decide(&view, &legal, &mut self.rng);
        legal.get(k).or(legal.first()).copied()
    }

    async fn bot_act(&mut self, i: usize) {
        if let Some(o) = self.seats[i].as_mut() {
            o.bot_due = None;
        }
        let Some(action) = self.bot_choice(i) else {
            return;
        };
        let Some(g) = self.game.as_mut() else {
            return;
        };
        match g.m.apply_mut(action) {
            Ok(events) => self.applied(i, action, events, true).await,
            Err(e) => {
                tracing::error!(error = %e, table_id = %self.id, "bot chose an illegal action")
            }
        }
    }

    /// Book-keeping after the engine accepted `action` of seat `i`: stats, log, events, match end.
    async fn applied(&mut self, i: usize, action: Action, events: Vec<Event>, by_bot: bool) {
        let now = Instant::now();
        if let Some(o) = self.seats[i].as_mut() {
            o.stats.actions += 1;
            if !o.is_bot() {
                if by_bot {
                    o.stats.auto_actions += 1;
                } else if let Some(t) = o.turn_started {
                    o.stats.decision_ms +=
                        i64::try_from(now.duration_since(t).as_millis()).unwrap_or(i64::MAX);
                }
            }
            o.deadline = None;
            o.bot_due = None;
            o.turn_started = None;
        }
        let Some(g) = self.game.as_mut() else {
            return;
        };
        let rec = store::GuandanActionRecord {
            match_id: g.match_id,
            idx: g.next_idx,
            action_json: serde_json::to_string(&action).unwrap_or_default(),
            at_ms: self.state.auth.clock.now_ms(),
        };
        g.next_idx += 1;
        let over = g.m.phase() == Phase::MatchOver;
        self.enqueue(LogOp::Append(rec)).await;
        // Broadcast only once the record is committed (see `persist`): an acknowledged action is never
        // missing from the log after a crash.
        let (done, committed) = tokio::sync::oneshot::channel();
        self.enqueue(LogOp::Flush(done)).await;
        let failed = match committed.await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.0),
            Err(_) => Some("the match log writer is gone".to_owned()),
        };
        if let Some(why) = failed {
            // The action is not in the log: nobody is told it happened. The table closes as on a
            // shutdown, and the match resumes from its log (without this action) at the next start.
            tracing::error!(table = self.id.as_str(), error = %why, "match log write failed; the table closes unacknowledged");
            metrics::counter!("guandan_tables_closed_on_log_failure_total").increment(1);
            self.emit(TEvent::Msg(ServerMessage::TableClosed {
                reason: CloseReason::Shutdown,
            }));
            self.closed = true;
            return;
        }
        metrics::counter!("guandan_actions_total").increment(1);
        for ev in events {
            self.emit(TEvent::Game(ev));
        }
        if over {
            self.finish().await;
        }
    }

    async fn finish(&mut self) {
        let Some(g) = self.game.as_mut() else {
            return;
        };
        if g.finished {
            return;
        }
        g.finished = true;
        let ended = self.state.auth.clock.now_ms();
        let m = &g.m;
        let winner = m.winner().map(u8::from);
        let levels = m.levels.map(|r| r.to_string());
        let last_order: Vec<u8> = m
            .results
            .last()
            .map(|r| r.order.iter().map(|s| u8::from(*s)).collect())
            .unwrap_or_default();
        let hands = u32::try_from(m.results.len()).unwrap_or(u32::MAX);
        let result = serde_json::json!({
            "winner": winner,
            "levels": levels,
            "hands_played": hands,
            "last_hand_finish_order": last_order,
        });
        let signals: Vec<store::GuandanSignals> = (0..4)
            .filter_map(|i| {
                let o = self.seats[i].as_ref()?;
                Some(store::GuandanSignals {
                    match_id: g.match_id,
                    seat: i64::try_from(i).unwrap_or(0),
                    user_id: o.user?,
                    ip: o.ip.clone(),
                    actions: o.stats.actions,
                    auto_actions: o.stats.auto_actions,
                    timeouts: o.stats.timeouts,
                    decision_ms_total: o.stats.decision_ms,
                    created_at_ms: ended,
                })
            })
            .collect();
        let seat_results: Vec<SeatResult> = (0..4)
            .map(|i| {
                let o = self.seats[i].as_ref();
                SeatResult {
                    seat: u8::try_from(i).unwrap_or(0),
                    user_id: o.and_then(|o| o.user),
                    display_name: o.map(|o| o.name.clone()).unwrap_or_default(),
                    is_bot: o.is_none_or(Occupant::is_bot),
                }
            })
            .collect();
        let finished = FinishedMatch {
            match_id: g.match_id,
            kind: self.kind,
            rules: profile_name(&self.options),
            seats: match <[SeatResult; 4]>::try_from(seat_results) {
                Ok(s) => s,
                Err(_) => return,
            },
            winning_team: winner.unwrap_or(0),
            final_levels: levels.clone(),
            last_hand_finish_order: last_order,
            hands_played: hands,
            started_at_ms: g.started_at_ms,
            ended_at_ms: ended,
        };
        let match_id = g.match_id;
        self.enqueue(LogOp::Finish {
            match_id,
            status: "finished",
            result_json: Some(result.to_string()),
            ended_at_ms: ended,
            signals,
        })
        .await;
        metrics::counter!("guandan_matches_finished_total").increment(1);
        if winner.is_some() {
            let state = self.state.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::ratings::on_match_finished(&state, &finished).await {
                    tracing::error!(match_id, error = %e.message, "ratings hook failed");
                }
            });
        }
        self.close_at = Some(Instant::now() + ms(self.svc.cfg.finished_close_ms));
    }

    async fn close(&mut self, reason: CloseReason) {
        if let Some(g) = self.game.as_ref()
            && !g.finished
        {
            let match_id = g.match_id;
            self.enqueue(LogOp::Finish {
                match_id,
                status: "abandoned",
                result_json: None,
                ended_at_ms: self.state.auth.clock.now_ms(),
                signals: Vec::new(),
            })
            .await;
        }
        self.emit(TEvent::Msg(ServerMessage::TableClosed { reason }));
        self.closed = true;
    }
}

/// Answers request `id` with the coded error (the request changes nothing).
fn refuse(sink: &Sink, id: Option<RequestId>, code: &str, message: &str) {
    sink.error(id, code, message);
}

/// The serialized table event `ev` number `seq` as `to` may see it.
fn frame(table: &TableId, seq: u64, ev: &TEvent, to: Recipient) -> Utf8Bytes {
    let msg = match ev {
        TEvent::Game(e) => protocol::event_message(e, to),
        TEvent::Msg(m) => m.clone(),
    };
    let env = ServerEnvelope::table_event(table.clone(), seq, msg);
    Utf8Bytes::from(serde_json::to_string(&env).unwrap_or_default())
}
