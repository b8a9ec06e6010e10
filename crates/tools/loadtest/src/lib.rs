//! The load generators behind `playhouse loadtest guandan|rgs`: whole-system load against a running server, printing one JSON report.
//!
//! `guandan` opens tables of four WebSocket clients (guest accounts) that create and join a private room,
//! sit, get ready and play real matches, each client choosing its moves with the `greedy` bot from its own
//! view (built from the messages it receives) and the `legal_moves` the server sends; latency is measured
//! from an action sent to the table event of that action received by the acting client. `rgs` runs guest
//! players that place dice bets in a loop over HTTP. Both run on one tokio runtime, ramp up gradually,
//! and record latencies in an HDR histogram (microseconds).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use guandan::bots::{Bot, GreedyBot};
use guandan::card::parse_rank;
use guandan::{Action, Hand, Phase, Play, Rank, Rules, Seat, View};
use hdrhistogram::Histogram;
use protocol::client::{ClientEnvelope, ClientMessage, RoomOptions, RulesProfile, Timers};
use protocol::server::{LegalMoves, PhaseName, ServerEnvelope, ServerMessage};
use protocol::wire::{CardCode, RequestId, RoomCode, TableId, WirePlay, WireSeat};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use api::clock;

mod busbench;

/// `loadtest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum LoadtestCommand {
    /// Tables of four WebSocket clients playing private-room matches with the greedy bot.
    Guandan(GuandanArgs),
    /// Guest players placing instant-game bets in a loop over HTTP.
    Rgs(RgsArgs),
    /// The cluster's bus on NATS: fan-out publish → deliver latency between two connections, and
    /// durable appends and deliveries per second.
    Bus(busbench::BusArgs),
}

/// `loadtest guandan` flags.
#[derive(Debug, clap::Args)]
pub struct GuandanArgs {
    /// Server base URL (`http://…`; the WebSocket is `ws://…/v1/ws`), or a cluster's nodes
    /// separated by commas: connections are spread over them (a table's four players on
    /// consecutive nodes, its room opened on the first), and a player whose node cannot be
    /// reached connects to the next one (counted in `failovers`).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// With several nodes: `players` puts a table's four players on consecutive nodes (frames
    /// routed between nodes), `tables` puts all four on the table's node.
    #[arg(long, default_value = "players", value_parser = ["players", "tables"])]
    pub spread: String,
    /// Tables (four connections each).
    #[arg(long, default_value_t = 10)]
    pub tables: u32,
    /// Run time in seconds, ramp-up included.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Delay before each action, milliseconds (0: as fast as the server allows).
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// Tables opened per ramp step (every 100 ms).
    #[arg(long, default_value_t = 10)]
    pub ramp_tables: u32,
    /// Most messages a client sends per second (0: no limit). Keep it below the server's
    /// `guandan.ws_messages_per_sec` (default 20), which disconnects flooding clients.
    #[arg(long, default_value_t = 15)]
    pub msg_rate: u32,
}

/// `loadtest rgs` flags.
#[derive(Debug, clap::Args)]
pub struct RgsArgs {
    /// Server base URL, or a cluster's nodes separated by commas: players are spread over them,
    /// and a player whose node stops answering moves to the next one (counted in `failovers`, not
    /// in `errors`).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// Concurrent players, each with one bet in flight.
    #[arg(long, default_value_t = 32)]
    pub players: u32,
    /// Run time in seconds, ramp-up included.
    #[arg(long, default_value_t = 30)]
    pub duration: u64,
    /// Game id.
    #[arg(long, default_value = "dice")]
    pub game: String,
    /// Stake per bet, integer minor units.
    #[arg(long, default_value_t = 1)]
    pub amount: u64,
    /// Currency.
    #[arg(long, default_value = "PLAY")]
    pub currency: String,
    /// Bet parameters (JSON) [default for dice: {"target": 50.5, "direction": "over"}; otherwise {}].
    #[arg(long)]
    pub params: Option<String>,
}

/// Runs a subcommand to its end and returns its JSON report.
pub async fn run(action: &LoadtestCommand) -> Result<Value, String> {
    match action {
        LoadtestCommand::Guandan(a) => guandan(a).await,
        LoadtestCommand::Rgs(a) => rgs(a).await,
        LoadtestCommand::Bus(a) => busbench::run(a).await,
    }
}

/// Latency samples in microseconds, from 1 µs to 10 minutes, 3 significant digits.
pub struct Latencies {
    hist: Histogram<u64>,
}

/// Largest recordable latency, microseconds.
const LATENCY_US_MAX: u64 = 600_000_000;

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    /// An empty histogram.
    #[allow(
        clippy::expect_used,
        reason = "the histogram bounds are constants within its limits"
    )]
    pub fn new() -> Latencies {
        Latencies {
            // Bounds are constants within the histogram's limits, so this cannot fail.
            hist: Histogram::new_with_bounds(1, LATENCY_US_MAX, 3)
                .expect("constant histogram bounds are valid"),
        }
    }

    /// Records one sample (clamped into range).
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.hist.saturating_record(us.clamp(1, LATENCY_US_MAX));
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The value at quantile `q` (0..=1) in milliseconds, 3 decimals; 0 when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        ms(self.hist.value_at_quantile(q))
    }

    /// The largest sample in milliseconds; 0 when empty.
    pub fn max_ms(&self) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        ms(self.hist.max())
    }
}

fn ms(us: u64) -> f64 {
    (us as f64 / 1000.0 * 1000.0).round() / 1000.0
}

/// Counts shared by every client of a run.
#[derive(Default)]
pub struct Counters {
    /// Latency of each measured action or bet.
    pub latencies: Mutex<Latencies>,
    /// Errors by code (`error` messages' codes, HTTP error codes, or `connect`, `closed`, `timeout`…).
    pub errors: Mutex<BTreeMap<String, u64>>,
    /// Actions (game moves) or bets completed.
    pub actions: AtomicU64,
    /// Hands completed (counted once per table).
    pub hands: AtomicU64,
    /// Matches completed (counted once per table).
    pub matches: AtomicU64,
    /// Connections (WebSockets) opened, or players signed in.
    pub connections: AtomicU64,
    /// Tables that reached their first deal.
    pub tables_started: AtomicU64,
    /// Setup requests retried after `rate_limited`.
    pub setup_retries: AtomicU64,
    /// Clients that moved to another node because theirs could not be reached.
    pub failovers: AtomicU64,
}

impl Counters {
    /// Counts one error of `code`.
    pub fn error(&self, code: &str) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(code.to_owned()).or_insert(0) += 1;
        }
    }

    fn sample(&self, d: Duration) {
        if let Ok(mut l) = self.latencies.lock() {
            l.record(d);
        }
    }

    fn error_total(&self) -> u64 {
        self.errors.lock().map_or(0, |e| e.values().sum())
    }

    fn error_map(&self) -> Value {
        self.errors.lock().map_or(json!({}), |e| json!(*e))
    }
}

/// The `loadtest guandan` report.
pub fn guandan_report(tables: u32, elapsed: Duration, c: &Counters) -> Value {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let actions = c.actions.load(Ordering::Relaxed);
    let lat = c.latencies.lock().map(|l| {
        (
            l.quantile_ms(0.5),
            l.quantile_ms(0.9),
            l.quantile_ms(0.99),
            l.max_ms(),
            l.count(),
        )
    });
    let (p50, p90, p99, max, samples) = lat.unwrap_or((0.0, 0.0, 0.0, 0.0, 0));
    json!({
        "tables": tables,
        "tables_started": c.tables_started.load(Ordering::Relaxed),
        "connections": c.connections.load(Ordering::Relaxed),
        "duration_s": round3(secs),
        "actions": actions,
        "actions_per_sec": round3(actions as f64 / secs),
        "hands_completed": c.hands.load(Ordering::Relaxed),
        "matches_completed": c.matches.load(Ordering::Relaxed),
        "latency_samples": samples,
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p99,
        "max_ms": max,
        "errors": c.error_total(),
        "error_codes": c.error_map(),
        "setup_retries": c.setup_retries.load(Ordering::Relaxed),
        "failovers": c.failovers.load(Ordering::Relaxed),
    })
}

/// The `loadtest rgs` report.
pub fn rgs_report(players: u32, game: &str, elapsed: Duration, c: &Counters) -> Value {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let bets = c.actions.load(Ordering::Relaxed);
    let lat = c.latencies.lock().map(|l| {
        (
            l.quantile_ms(0.5),
            l.quantile_ms(0.9),
            l.quantile_ms(0.99),
            l.max_ms(),
        )
    });
    let (p50, p90, p99, max) = lat.unwrap_or((0.0, 0.0, 0.0, 0.0));
    json!({
        "game": game,
        "players": players,
        "players_ready": c.connections.load(Ordering::Relaxed),
        "duration_s": round3(secs),
        "bets": bets,
        "bets_per_sec": round3(bets as f64 / secs),
        "p50_ms": p50,
        "p90_ms": p90,
        "p99_ms": p99,
        "max_ms": max,
        "errors": c.error_total(),
        "error_codes": c.error_map(),
        "setup_retries": c.setup_retries.load(Ordering::Relaxed),
        "failovers": c.failovers.load(Ordering::Relaxed),
    })
}

/// The base URLs of `--url`: one server, or a cluster's nodes separated by commas.
pub fn base_urls(url: &str) -> Result<Vec<String>, String> {
    let urls: Vec<String> = url
        .split(',')
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err("--url names no server".into());
    }
    Ok(urls)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

// ---------------------------------------------------------------------------------------------------------
// Accounts

/// Longest wait for any single HTTP request or WebSocket message before it counts as `timeout`.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Setup attempts (guest sign-up) before giving up on a client.
const SETUP_ATTEMPTS_MAX: u32 = 20;

/// Signs a guest up; retries `rate_limited` answers after their `Retry-After`. Returns the access token.
async fn guest_token(
    http: &reqwest::Client,
    base: &str,
    c: &Counters,
    stop: &AtomicBool,
) -> Result<String, String> {
    for _ in 0..SETUP_ATTEMPTS_MAX {
        if stop.load(Ordering::Relaxed) {
            return Err("stopped".into());
        }
        let res = http
            .post(format!("{base}/v1/auth/guest"))
            .timeout(IO_TIMEOUT)
            .send()
            .await
            .map_err(|_| "connect".to_owned())?;
        if res.status().as_u16() == 429 {
            c.setup_retries.fetch_add(1, Ordering::Relaxed);
            let wait = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait.min(10))).await;
            continue;
        }
        if !res.status().is_success() {
            return Err(format!("guest_http_{}", res.status().as_u16()));
        }
        let v: Value = res.json().await.map_err(|_| "guest_body".to_owned())?;
        return v["access_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "guest_body".to_owned());
    }
    Err("guest_rate_limited".into())
}

// ---------------------------------------------------------------------------------------------------------
// Guandan

/// One client's picture of its table, kept from the messages it receives: what the `greedy` bot needs
/// to decide (its hand, the level, the top play, card counts).
#[derive(Clone, Debug)]
pub struct TableView {
    /// The client's seat.
    pub seat: Seat,
    /// Rules of the room.
    pub rules: Rules,
    /// Own cards.
    pub hand: Hand,
    /// Hand index.
    pub hand_no: u32,
    /// Level of the hand.
    pub level: Rank,
    /// Team levels.
    pub levels: [Rank; 2],
    /// Cards left per seat.
    pub counts: [u8; 4],
    /// Top play of the current trick.
    pub top: Option<(Seat, Play)>,
}

/// What a received table event means to the load client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Nothing to act on.
    Other,
    /// The table event of an action by this seat (ends a latency measurement).
    OwnAction,
    /// A hand ended.
    HandOver,
    /// The match ended.
    MatchOver,
    /// The first deal of a match.
    Dealt,
}

impl TableView {
    /// A fresh view for `seat` under `rules`.
    pub fn new(seat: Seat, rules: Rules) -> TableView {
        TableView {
            seat,
            rules,
            hand: Hand::new(),
            hand_no: 0,
            level: Rank::TWO,
            levels: [Rank::TWO; 2],
            counts: [0; 4],
            top: None,
        }
    }

    /// Applies one server message; says what it means to the client.
    pub fn apply(&mut self, msg: &ServerMessage) -> Seen {
        let me = self.seat;
        match msg {
            ServerMessage::TableSnapshot(s) => {
                if let Some(g) = &s.game {
                    self.hand = Hand::from_cards(
                        &g.hand
                            .as_deref()
                            .unwrap_or(&[])
                            .iter()
                            .map(|c| c.0)
                            .collect::<Vec<_>>(),
                    )
                    .unwrap_or_default();
                    self.hand_no = g.hand_no;
                    self.level = parse_rank(&g.level).unwrap_or(Rank::TWO);
                    self.levels = [
                        parse_rank(&g.levels[0]).unwrap_or(Rank::TWO),
                        parse_rank(&g.levels[1]).unwrap_or(Rank::TWO),
                    ];
                    self.counts = g.counts;
                    self.top = g.top.map(|t| (t.seat.0, t.play.0));
                }
                Seen::Other
            }
            ServerMessage::Deal {
                hand_no,
                level,
                seat,
                count,
                cards,
            } => {
                self.hand_no = *hand_no;
                self.level = parse_rank(level).unwrap_or(self.level);
                self.counts[seat.0.index()] = *count;
                self.top = None;
                if seat.0 == me {
                    let cards: Vec<_> = cards
                        .as_deref()
                        .unwrap_or(&[])
                        .iter()
                        .map(|c| c.0)
                        .collect();
                    self.hand = Hand::from_cards(&cards).unwrap_or_default();
                }
                if *hand_no == 0 && seat.0 == me {
                    Seen::Dealt
                } else {
                    Seen::Other
                }
            }
            ServerMessage::TributeResult { transfers }
            | ServerMessage::ReturnResult { transfers } => {
                for t in transfers {
                    let (from, to) = (t.from.0, t.to.0);
                    self.counts[from.index()] = self.counts[from.index()].saturating_sub(1);
                    self.counts[to.index()] = self.counts[to.index()].saturating_add(1);
                    if from == me {
                        self.hand.remove(t.card.0);
                    }
                    if to == me {
                        self.hand.add(t.card.0);
                    }
                }
                Seen::Other
            }
            ServerMessage::TributePaid { seat, .. } | ServerMessage::Returned { seat, .. } => {
                if seat.0 == me {
                    Seen::OwnAction
                } else {
                    Seen::Other
                }
            }
            ServerMessage::Played { seat, play } => {
                let n = u8::try_from(play.0.len()).unwrap_or(u8::MAX);
                let i = seat.0.index();
                self.counts[i] = self.counts[i].saturating_sub(n);
                if seat.0 == me {
                    for &c in play.0.cards() {
                        self.hand.remove(c);
                    }
                }
                self.top = Some((seat.0, play.0));
                if seat.0 == me {
                    Seen::OwnAction
                } else {
                    Seen::Other
                }
            }
            ServerMessage::Passed { seat } => {
                if seat.0 == me {
                    Seen::OwnAction
                } else {
                    Seen::Other
                }
            }
            ServerMessage::TrickWon { .. } => {
                self.top = None;
                Seen::Other
            }
            ServerMessage::HandResult(r) => {
                self.levels = [
                    parse_rank(&r.levels[0]).unwrap_or(self.levels[0]),
                    parse_rank(&r.levels[1]).unwrap_or(self.levels[1]),
                ];
                Seen::HandOver
            }
            ServerMessage::MatchResult { .. } => Seen::MatchOver,
            _ => Seen::Other,
        }
    }

    /// The engine view the bot decides from (only the fields the load client can know).
    pub fn view(&self, phase: Phase) -> View {
        View {
            seat: Some(self.seat),
            hand: Some(self.hand.clone()),
            rules: self.rules,
            hand_no: self.hand_no,
            level: self.level,
            levels: self.levels,
            declarer: None,
            phase,
            awaiting: vec![self.seat],
            counts: self.counts,
            top: self.top,
            trick: Vec::new(),
            last_moves: [None; 4],
            played: Hand::new(),
            finish: Vec::new(),
            tributes: Vec::new(),
            anti_tribute: Vec::new(),
            winner: None,
        }
    }

    /// The `greedy` bot's choice among `legal` (the `legal_moves` for this seat), as a client message.
    /// `None` when the list offers nothing.
    pub fn decide(&self, legal: &LegalMoves) -> Option<ClientMessage> {
        let seat = self.seat;
        let (phase, actions): (Phase, Vec<Action>) = match legal.phase {
            PhaseName::Tribute => (
                Phase::Tribute,
                legal
                    .cards
                    .iter()
                    .map(|c| Action::Tribute { seat, card: c.0 })
                    .collect(),
            ),
            PhaseName::Return => (
                Phase::Return,
                legal
                    .cards
                    .iter()
                    .map(|c| Action::Return { seat, card: c.0 })
                    .collect(),
            ),
            PhaseName::Play => {
                let mut a: Vec<Action> = legal
                    .plays
                    .iter()
                    .map(|p| Action::Play { seat, play: p.0 })
                    .collect();
                if legal.can_pass {
                    a.push(Action::Pass { seat });
                }
                (Phase::Play, a)
            }
            PhaseName::MatchOver => return None,
        };
        if actions.is_empty() {
            return None;
        }
        let mut rng = NoRng;
        let i = GreedyBot.decide(&self.view(phase), &actions, &mut rng);
        let table_id = legal.table_id.clone();
        Some(match actions.get(i).copied().unwrap_or(actions[0]) {
            Action::Play { play, .. } => ClientMessage::Play {
                table_id,
                play: WirePlay(play),
            },
            Action::Pass { .. } => ClientMessage::Pass { table_id },
            Action::Tribute { card, .. } => ClientMessage::Tribute {
                table_id,
                card: CardCode(card),
            },
            Action::Return { card, .. } => ClientMessage::Return {
                table_id,
                card: CardCode(card),
            },
        })
    }
}

/// The greedy bot draws no randomness; a constant stream satisfies its signature.
struct NoRng;

impl rand::RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        dst.fill(0);
    }
}

/// The room every load table uses: no bots, no spectators, the longest timers (so a loaded server's
/// delays are measured rather than covered by auto-play), bots acting without delay.
pub fn load_room_options() -> RoomOptions {
    RoomOptions {
        rules: RulesProfile::Official2022,
        allow_bots: false,
        allow_spectators: false,
        timers: Timers {
            play_ms: protocol::limits::TIMER_MS_MAX,
            tribute_ms: protocol::limits::TIMER_MS_MAX,
            return_ms: protocol::limits::TIMER_MS_MAX,
        },
        fast_bots: true,
    }
}

/// `ws://host/v1/ws` of an `http://host` base URL.
pub fn ws_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    let rest = base
        .strip_prefix("http://")
        .map(|r| format!("ws://{r}"))
        .or_else(|| base.strip_prefix("https://").map(|r| format!("wss://{r}")))
        .unwrap_or_else(|| base.to_owned());
    format!("{rest}/v1/ws")
}

async fn guandan(a: &GuandanArgs) -> Result<Value, String> {
    if a.tables == 0 || a.duration == 0 {
        return Err("--tables and --duration must be at least 1".into());
    }
    let bases = base_urls(&a.url)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| e.to_string())?;
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = clock::instant();
    let deadline = started + Duration::from_secs(a.duration);
    let think = Duration::from_millis(a.think_ms);
    let msg_rate = a.msg_rate;
    let mut tasks = Vec::new();
    let ramp = a.ramp_tables.max(1);
    for t in 0..a.tables {
        if t > 0 && t % ramp == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if clock::instant() >= deadline {
            break;
        }
        let (http, c, stop) = (http.clone(), counters.clone(), stop.clone());
        let first = t as usize % bases.len();
        let bases = bases.clone();
        let per_seat = a.spread == "players";
        tasks.push(tokio::spawn(async move {
            let at = Layout { first, per_seat };
            run_table(&http, &bases, at, &c, &stop, deadline, think, msg_rate).await;
        }));
    }
    let remaining = deadline.saturating_duration_since(clock::instant());
    tokio::time::sleep(remaining).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    Ok(guandan_report(a.tables, deadline - started, &counters))
}

/// Where a table's players connect: seat `i` to node `first + i` (`per_seat`), or all to `first`.
#[derive(Debug, Clone, Copy)]
struct Layout {
    first: usize,
    per_seat: bool,
}

/// One table: four guests, a private room, matches until the deadline. Seat `i` connects to node
/// `first + i` (the next one when that node cannot be reached, counted in `failovers`), so in a
/// cluster a table's players sit on different nodes and play over the routed frames.
#[allow(clippy::too_many_arguments, reason = "one table's whole setup")]
async fn run_table(
    http: &reqwest::Client,
    bases: &[String],
    at: Layout,
    c: &Arc<Counters>,
    stop: &Arc<AtomicBool>,
    deadline: Instant,
    think: Duration,
    msg_rate: u32,
) {
    let (code_tx, code_rx) = tokio::sync::watch::channel::<Option<(TableId, RoomCode)>>(None);
    let mut clients = Vec::new();
    let mut code_tx = Some(code_tx);
    let n = bases.len();
    for seat in 0..4u8 {
        let mut got = Err("connect".to_owned());
        let mut base = &bases[at.first % n];
        let own = if at.per_seat { usize::from(seat) } else { 0 };
        for k in 0..n {
            base = &bases[(at.first + own + k) % n];
            if k > 0 {
                c.failovers.fetch_add(1, Ordering::Relaxed);
            }
            got = guest_token(http, base, c, stop).await;
            if !matches!(&got, Err(e) if e == "connect") {
                break;
            }
        }
        let token = match got {
            Ok(t) => t,
            Err(e) => {
                if e != "stopped" {
                    c.error(&e);
                }
                return;
            }
        };
        let ctx = ClientCtx {
            seat: Seat::new(seat).unwrap_or(Seat::wrapping(seat)),
            token,
            ws: ws_url(base),
            bases: bases.to_vec(),
            counters: c.clone(),
            stop: stop.clone(),
            deadline,
            think,
            msg_rate,
            host: code_tx.take(),
            code: code_rx.clone(),
        };
        clients.push(tokio::spawn(run_client(ctx)));
    }
    for t in clients {
        let _ = t.await;
    }
}

struct ClientCtx {
    seat: Seat,
    token: String,
    ws: String,
    /// Every node, to move to the next one when this client's node goes away.
    bases: Vec<String>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    deadline: Instant,
    think: Duration,
    msg_rate: u32,
    /// Seat 0 creates the room and publishes its id and code here.
    host: Option<tokio::sync::watch::Sender<Option<(TableId, RoomCode)>>>,
    code: tokio::sync::watch::Receiver<Option<(TableId, RoomCode)>>,
}

fn envelope(n: &mut u64, msg: ClientMessage) -> (String, String) {
    *n += 1;
    let id = format!("l{n}");
    let env = ClientEnvelope::new(RequestId::new(id.clone()).ok(), msg);
    (id, serde_json::to_string(&env).unwrap_or_default())
}

/// How a client's connection ended.
enum End {
    /// The run is over (deadline, stop, or a failure already counted).
    Done,
    /// The socket dropped: its node may be gone.
    Dropped,
    /// No connection could be opened.
    ConnectFailed,
}

/// What a client keeps across its connections.
struct ClientState {
    n: u64,
    view: TableView,
    table: Option<TableId>,
    /// The action in flight: its request id and when it was sent.
    pending: Option<(String, Instant)>,
    last_legal: Option<LegalMoves>,
    pace: Pace,
    started: bool,
}

/// One WebSocket client of a load table. When its connection drops before the deadline (its node
/// died), it connects to the next node with the same account: that node finds its seat and the
/// table (moved by then, if its node was the one that died) sends a snapshot; each move is
/// counted in `failovers`, not in `errors`.
async fn run_client(mut ctx: ClientCtx) {
    let c = ctx.counters.clone();
    let mut st = ClientState {
        n: 0,
        view: TableView::new(ctx.seat, Rules::official_2022()),
        table: None,
        pending: None,
        last_legal: None,
        pace: Pace::new(ctx.msg_rate, clock::instant()),
        started: false,
    };
    let nodes = ctx.bases.len().max(1);
    let mut node = ctx
        .bases
        .iter()
        .position(|b| ws_url(b) == ctx.ws)
        .unwrap_or(0);
    let mut resume = false;
    let mut failed = 0;
    loop {
        let end = session(&mut ctx, &mut st, resume).await;
        let over = ctx.stop.load(Ordering::Relaxed) || clock::instant() >= ctx.deadline;
        match end {
            End::Done => return,
            _ if over => return,
            End::ConnectFailed if !resume => return c.error("connect"),
            End::ConnectFailed if failed >= 3 * nodes => return c.error("connect"),
            End::ConnectFailed | End::Dropped => {
                if matches!(end, End::ConnectFailed) {
                    failed += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                } else {
                    failed = 0;
                }
                node = (node + 1) % nodes;
                ctx.ws = ws_url(&ctx.bases[node]);
                c.failovers.fetch_add(1, Ordering::Relaxed);
                st.pending = None;
                resume = true;
            }
        }
    }
}

/// One connection of a load client: sets the table up (unless `resume`), then plays.
async fn session(ctx: &mut ClientCtx, st: &mut ClientState, resume: bool) -> End {
    let c = ctx.counters.clone();
    let url = format!("{}?access_token={}", ctx.ws, ctx.token);
    let Ok(mut req) = url.as_str().into_client_request() else {
        c.error("bad_url");
        return End::Done;
    };
    if let Ok(v) = format!("Bearer {}", ctx.token).parse() {
        req.headers_mut().insert("authorization", v);
    }
    let ws = match tokio::time::timeout(
        IO_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(req, None, true),
    )
    .await
    {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(_)) | Err(_) => return End::ConnectFailed,
    };
    c.connections.fetch_add(1, Ordering::Relaxed);
    let (mut tx, mut rx) = ws.split();
    let ClientState {
        n,
        view,
        table,
        pending,
        last_legal,
        pace,
        started,
    } = st;
    let is_host = ctx.seat == Seat::new(0).unwrap_or(Seat::wrapping(0));
    if resume {
        // The node finds the seat and attaches it: a snapshot follows the welcome.
    } else if is_host {
        let (_, text) = envelope(
            n,
            ClientMessage::RoomCreate {
                options: load_room_options(),
            },
        );
        if tx.send(Message::Text(text.into())).await.is_err() {
            return End::Dropped;
        }
    } else {
        // Wait for the host's room code.
        let code = loop {
            if let Some(v) = ctx.code.borrow().clone() {
                break v;
            }
            let changed = tokio::time::timeout(IO_TIMEOUT, ctx.code.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return End::Done;
            }
        };
        *table = Some(code.0.clone());
        let (_, text) = envelope(n, ClientMessage::RoomJoin { code: code.1 });
        if tx.send(Message::Text(text.into())).await.is_err() {
            return End::Dropped;
        }
        for msg in [
            ClientMessage::TakeSeat {
                table_id: code.0.clone(),
                seat: WireSeat(ctx.seat),
            },
            ClientMessage::Ready { table_id: code.0 },
        ] {
            let (_, text) = envelope(n, msg);
            if tx.send(Message::Text(text.into())).await.is_err() {
                return End::Dropped;
            }
        }
    }
    loop {
        if ctx.stop.load(Ordering::Relaxed) || clock::instant() >= ctx.deadline {
            break;
        }
        let wait = ctx
            .deadline
            .saturating_duration_since(clock::instant())
            .min(IO_TIMEOUT);
        let frame = match tokio::time::timeout(wait, rx.next()).await {
            Err(_) => {
                if clock::instant() < ctx.deadline {
                    c.error("timeout");
                }
                break;
            }
            Ok(None) | Ok(Some(Err(_))) => return End::Dropped,
            Ok(Some(Ok(f))) => f,
        };
        let text = match frame {
            Message::Text(t) => t,
            Message::Close(_) => return End::Dropped,
            _ => continue,
        };
        let Ok(env) = serde_json::from_str::<ServerEnvelope>(text.as_str()) else {
            c.error("unparsable_message");
            continue;
        };
        let mut outgoing: Vec<ClientMessage> = Vec::new();
        match &env.msg {
            ServerMessage::Error(e) => {
                c.error(&e.code);
                // A refused action: try the simplest alternative from the last list.
                if let (Some((id, _)), Some(reply)) = (&*pending, &env.id)
                    && id == reply.as_str()
                {
                    *pending = None;
                    if let Some(lm) = last_legal.take() {
                        outgoing.push(fallback(&lm));
                    }
                }
            }
            ServerMessage::RoomCreated { table_id, code } => {
                *table = Some(table_id.clone());
                if let Some(host) = ctx.host.take() {
                    let _ = host.send(Some((table_id.clone(), code.clone())));
                }
                // `room_create` seats the host in seat 0.
                outgoing.push(ClientMessage::Ready {
                    table_id: table_id.clone(),
                });
            }
            ServerMessage::LegalMoves(lm) if lm.seat.0 == ctx.seat && pending.is_none() => {
                if let Some(m) = view.decide(lm) {
                    *last_legal = Some(lm.clone());
                    outgoing.push(m);
                }
            }
            other => match view.apply(other) {
                Seen::OwnAction => {
                    if let Some((_, sent)) = pending.take() {
                        c.sample(clock::instant().saturating_duration_since(sent));
                        c.actions.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Seen::HandOver if is_host => {
                    c.hands.fetch_add(1, Ordering::Relaxed);
                }
                Seen::MatchOver => {
                    if is_host {
                        c.matches.fetch_add(1, Ordering::Relaxed);
                    }
                    // The table starts the next match once all four asked (no `ready` needed).
                    if let Some(t) = &*table {
                        outgoing.push(ClientMessage::PlayAgain {
                            table_id: t.clone(),
                        });
                    }
                }
                Seen::Dealt if is_host && !*started => {
                    *started = true;
                    c.tables_started.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            },
        }
        for m in outgoing {
            let is_action = m.action(ctx.seat).is_some();
            if is_action && !ctx.think.is_zero() {
                tokio::time::sleep(ctx.think).await;
            }
            pace.take(clock::instant()).await;
            let (id, text) = envelope(n, m);
            if is_action {
                *pending = Some((id, clock::instant()));
            }
            if tx.send(Message::Text(text.into())).await.is_err() {
                return End::Dropped;
            }
        }
    }
    let _ = tx.send(Message::Close(None)).await;
    End::Done
}

/// A client's send budget: `per_sec` messages a second with a burst of a few, so a load client never
/// trips the server's flood limit (waiting is not part of the measured latency).
pub struct Pace {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Pace {
    /// A budget of `per_sec` messages a second (0: unlimited), full at `now`.
    pub fn new(per_sec: u32, now: Instant) -> Pace {
        let burst = f64::from(per_sec.min(5));
        Pace {
            per_sec: f64::from(per_sec),
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// How long to wait at `now` before the next message may go; takes its token.
    pub fn delay(&mut self, now: Instant) -> Duration {
        if self.per_sec <= 0.0 {
            return Duration::ZERO;
        }
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_sec)
        }
    }

    async fn take(&mut self, now: Instant) {
        let d = self.delay(now);
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }
}

/// The simplest move of a list: pass when allowed, else its first play or card.
fn fallback(lm: &LegalMoves) -> ClientMessage {
    let table_id = lm.table_id.clone();
    match lm.phase {
        PhaseName::Tribute => match lm.cards.first() {
            Some(&card) => ClientMessage::Tribute { table_id, card },
            None => ClientMessage::Resync {
                table_id,
                last_seq: 0,
            },
        },
        PhaseName::Return => match lm.cards.first() {
            Some(&card) => ClientMessage::Return { table_id, card },
            None => ClientMessage::Resync {
                table_id,
                last_seq: 0,
            },
        },
        _ if lm.can_pass => ClientMessage::Pass { table_id },
        _ => match lm.plays.first() {
            Some(&play) => ClientMessage::Play { table_id, play },
            None => ClientMessage::Resync {
                table_id,
                last_seq: 0,
            },
        },
    }
}

// ---------------------------------------------------------------------------------------------------------
// RGS

/// The bet body of a load bet.
pub fn bet_body(amount: u64, currency: &str, params: &Value) -> Value {
    json!({"amount": amount, "currency": currency, "params": params})
}

/// The default parameters of `game`: dice over 50.5, otherwise none.
pub fn default_params(game: &str) -> Value {
    if game == "dice" {
        json!({"target": 50.5, "direction": "over"})
    } else {
        json!({})
    }
}

async fn rgs(a: &RgsArgs) -> Result<Value, String> {
    if a.players == 0 || a.duration == 0 {
        return Err("--players and --duration must be at least 1".into());
    }
    let params: Value = match &a.params {
        Some(p) => serde_json::from_str(p).map_err(|e| format!("--params is not JSON: {e}"))?,
        None => default_params(&a.game),
    };
    let body = Arc::new(
        serde_json::to_vec(&bet_body(a.amount, &a.currency, &params)).map_err(|e| e.to_string())?,
    );
    let bases = base_urls(&a.url)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.players as usize)
        .build()
        .map_err(|e| e.to_string())?;
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = clock::instant();
    let deadline = started + Duration::from_secs(a.duration);
    // Idempotency keys are unique per run: the run's start time in ms, the player and a counter.
    let run = clock::now_ms();
    let urls: Arc<Vec<String>> = Arc::new(
        bases
            .iter()
            .map(|b| format!("{b}/v1/games/{}/bets", a.game))
            .collect(),
    );
    let bases = Arc::new(bases);
    let mut tasks = Vec::new();
    for p in 0..a.players {
        if p > 0 && p % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (http, bases, c, stop) = (http.clone(), bases.clone(), counters.clone(), stop.clone());
        let (urls, body) = (urls.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            // The player's node; the next one when it cannot be reached (a node down).
            let nodes = bases.len();
            let mut node = p as usize % nodes;
            let mut token = Err(String::new());
            for k in 0..nodes {
                if k > 0 {
                    c.failovers.fetch_add(1, Ordering::Relaxed);
                    node = (node + 1) % nodes;
                }
                token = guest_token(&http, &bases[node], &c, &stop).await;
                if !matches!(&token, Err(e) if e == "connect") {
                    break;
                }
            }
            let token = match token {
                Ok(t) => t,
                Err(e) => {
                    if e != "stopped" {
                        c.error(&e);
                    }
                    return;
                }
            };
            c.connections.fetch_add(1, Ordering::Relaxed);
            let auth = format!("Bearer {token}");
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) && clock::instant() < deadline {
                n += 1;
                let key = format!("lt-{run}-{p}-{n}");
                let sent = clock::instant();
                let res = http
                    .post(urls[node].as_str())
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .header("idempotency-key", key)
                    .timeout(IO_TIMEOUT)
                    .body(body.as_ref().clone())
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        c.sample(clock::instant().saturating_duration_since(sent));
                        c.actions.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let retry = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok());
                        let code = r
                            .json::<Value>()
                            .await
                            .ok()
                            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
                            .unwrap_or_else(|| format!("http_{status}"));
                        c.error(&code);
                        if let Some(s) = retry {
                            tokio::time::sleep(Duration::from_secs(s.min(5))).await;
                        }
                    }
                    Err(_) if nodes > 1 => {
                        // The node is gone (or unreachable): the same token works on every node
                        // of the cluster, so the player goes on on the next one.
                        c.failovers.fetch_add(1, Ordering::Relaxed);
                        node = (node + 1) % nodes;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => {
                        c.error(if e.is_timeout() { "timeout" } else { "connect" });
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    let remaining = deadline.saturating_duration_since(clock::instant());
    tokio::time::sleep(remaining).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = clock::instant().saturating_duration_since(started);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    Ok(rgs_report(a.players, &a.game, elapsed, &counters))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guandan::{Match, Seed};
    use protocol::{Recipient, event_message};

    #[test]
    fn histogram_report_has_the_promised_keys() {
        let c = Counters::default();
        for ms in 1..=100u64 {
            c.sample(Duration::from_millis(ms));
        }
        c.actions.store(100, Ordering::Relaxed);
        c.connections.store(8, Ordering::Relaxed);
        c.hands.store(3, Ordering::Relaxed);
        c.error("not_your_turn");
        c.error("not_your_turn");
        c.error("closed");
        let r = guandan_report(2, Duration::from_secs(10), &c);
        for key in [
            "tables",
            "connections",
            "actions",
            "hands_completed",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "errors",
            "failovers",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_eq!(r["tables"], 2);
        assert_eq!(r["connections"], 8);
        assert_eq!(r["actions"], 100);
        assert_eq!(r["actions_per_sec"], 10.0);
        assert_eq!(r["errors"], 3);
        assert_eq!(r["error_codes"]["not_your_turn"], 2);
        let p50 = r["p50_ms"].as_f64().expect("p50");
        let p99 = r["p99_ms"].as_f64().expect("p99");
        let max = r["max_ms"].as_f64().expect("max");
        assert!((49.9..=50.1).contains(&p50), "{p50}");
        assert!((98.9..=99.1).contains(&p99), "{p99}");
        assert!((99.9..=100.1).contains(&max), "{max}");

        let r = rgs_report(4, "dice", Duration::from_secs(4), &c);
        for key in [
            "bets_per_sec",
            "p50_ms",
            "p99_ms",
            "errors",
            "bets",
            "players",
            "duration_s",
            "failovers",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        assert_eq!(r["bets_per_sec"], 25.0);
        assert_eq!(r["error_codes"]["closed"], 1);
    }

    #[test]
    fn url_lists_name_a_cluster() {
        assert_eq!(
            base_urls("http://a:1/, http://b:2 ,http://c:3").expect("urls"),
            ["http://a:1", "http://b:2", "http://c:3"]
        );
        assert_eq!(base_urls("http://a:1").expect("one"), ["http://a:1"]);
        assert!(base_urls(" , ").is_err());
    }

    #[test]
    fn pace_spreads_messages() {
        let t0 = clock::instant();
        let mut p = Pace::new(10, t0);
        // The burst (5) goes at once, then one message per 100 ms.
        let waits: Vec<Duration> = (0..8).map(|_| p.delay(t0)).collect();
        assert!(waits[..5].iter().all(|w| w.is_zero()), "{waits:?}");
        assert_eq!(waits[5].as_micros().div_ceil(1000), 100, "{waits:?}");
        assert_eq!(waits[7].as_micros().div_ceil(1000), 300, "{waits:?}");
        let mut free = Pace::new(0, t0);
        assert!((0..100).all(|_| free.delay(t0).is_zero()));
    }

    #[test]
    fn empty_histogram_reports_zero() {
        let r = guandan_report(1, Duration::ZERO, &Counters::default());
        assert_eq!(r["p99_ms"], 0.0);
        assert_eq!(r["errors"], 0);
    }

    #[test]
    fn urls_and_bodies() {
        assert_eq!(ws_url("http://127.0.0.1:8080"), "ws://127.0.0.1:8080/v1/ws");
        assert_eq!(ws_url("http://h:1/"), "ws://h:1/v1/ws");
        assert_eq!(ws_url("https://h"), "wss://h/v1/ws");
        let b = bet_body(1, "PLAY", &default_params("dice"));
        assert_eq!(
            b,
            json!({"amount": 1, "currency": "PLAY", "params": {"target": 50.5, "direction": "over"}})
        );
        // The room options pass the protocol's own parser.
        let (_, text) = envelope(
            &mut 0,
            ClientMessage::RoomCreate {
                options: load_room_options(),
            },
        );
        let parsed = protocol::parse_client(&text).expect("valid room_create");
        assert_eq!(parsed.msg.type_name(), "room_create");
    }

    /// Plays whole matches where every seat is a load client fed only the messages the server would
    /// send it; each client's decision must equal the greedy bot's decision from the engine's own view.
    #[test]
    fn clients_decide_like_the_greedy_bot_with_full_view() {
        let table_id = TableId::new("t-load".to_owned()).expect("table id");
        for seed in 0..3u64 {
            let rules = Rules::official_2022();
            let (mut m, events) = Match::new(Seed::from_u64(seed), rules);
            let mut clients: Vec<TableView> = (0..4u8)
                .map(|s| TableView::new(Seat::new(s).expect("seat"), rules))
                .collect();
            let feed = |clients: &mut Vec<TableView>, events: &[guandan::Event]| {
                for e in events {
                    for cl in clients.iter_mut() {
                        cl.apply(&event_message(e, Recipient::Seat(cl.seat)));
                    }
                }
            };
            feed(&mut clients, &events);
            let mut steps = 0;
            while m.phase() != Phase::MatchOver && steps < 5_000 {
                steps += 1;
                let seat = m.awaiting()[0];
                let cl = &clients[seat.index()];
                assert_eq!(cl.hand, *m.hand(seat), "seed {seed} step {steps}");
                let legal = LegalMoves::compact_of(table_id.clone(), &m, seat);
                let msg = cl.decide(&legal).expect("a move");
                let actions = m.compact_actions(seat);
                let i = GreedyBot.decide(&m.view(Some(seat)), &actions, &mut NoRng);
                let expected = actions[i];
                let got = msg.action(seat).expect("an action");
                assert_eq!(got, expected, "seed {seed} step {steps}");
                let events = m.apply_mut(got).expect("legal");
                feed(&mut clients, &events);
            }
            assert_eq!(m.phase(), Phase::MatchOver);
        }
    }

    #[test]
    fn fallback_is_always_a_legal_shape() {
        let table_id = TableId::new("t1".to_owned()).expect("table id");
        let (m, _) = Match::new(Seed::from_u64(7), Rules::official_2022());
        let seat = m.awaiting()[0];
        let lm = LegalMoves::compact_of(table_id, &m, seat);
        let a = fallback(&lm).action(seat).expect("action");
        assert!(m.legal_actions(seat).contains(&a));
    }
}
