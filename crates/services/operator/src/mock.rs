//! The reference operator wallet behind `playhouse mock-operator`: an in-memory seamless wallet that
//! implements the contract of `docs/operator-integration.md` (signed requests, idempotency per
//! transaction id, rollbacks of unknown transactions remembered), with fault injection — timeouts
//! (the call may still be applied), 5xx errors before or after applying, and duplicate deliveries —
//! and `GET /report` for reconciliation. With a certificate and key it serves HTTPS (rustls), so
//! the platform's TLS client can be tested against it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sign;
use api::clock;

/// Settings of a mock operator.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// The shared HMAC secret.
    pub secret: String,
    /// Share of calls that time out (answered after `timeout_ms`; applied before or after the wait).
    pub timeout_rate: f64,
    /// Share of calls answered 500 (half before applying, half after).
    pub error_rate: f64,
    /// Share of calls processed twice (the second time through the idempotency path).
    pub duplicate_rate: f64,
    /// Seed of the fault-injection RNG.
    pub seed: u64,
    /// Balance of a player the first time the mock sees them, per currency.
    pub initial_balance: u64,
    /// How long a "timed out" call holds its answer (longer than the caller's timeout).
    pub timeout_ms: u64,
    /// Accepted clock difference of signed requests, seconds.
    pub window_secs: i64,
    /// Serve HTTPS with this certificate chain and key (PEM text) instead of plain HTTP.
    pub tls: Option<MockTls>,
}

/// The certificate and key of an HTTPS mock operator.
#[derive(Clone)]
pub struct MockTls {
    /// PEM certificate chain, leaf first.
    pub cert_chain_pem: String,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: String,
}

impl std::fmt::Debug for MockTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTls").finish_non_exhaustive()
    }
}

/// TLS handshakes still running before a connection reaches the HTTP server.
const TLS_HANDSHAKES_MAX: usize = 64;
/// A client that has not finished its TLS handshake by then is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            secret: String::new(),
            timeout_rate: 0.0,
            error_rate: 0.0,
            duplicate_rate: 0.0,
            seed: 1,
            initial_balance: 1_000_000,
            timeout_ms: 10_000,
            window_secs: 300,
            tls: None,
        }
    }
}

/// One transaction as the mock keeps it (and reports it).
#[derive(Debug, Clone, Serialize)]
pub struct MockTx {
    /// `bet`, `win` or `rollback`.
    pub kind: String,
    /// Player.
    pub player_id: String,
    /// Currency.
    pub currency: String,
    /// Minor units.
    pub amount: i64,
    /// Round id.
    pub round_id: String,
    /// Bets: `applied`, `rolled_back`, `refused`, or `tombstone` (rolled back before it arrived).
    /// Wins: `applied` or `refused`. Rollbacks: `applied` (refunded) or `noop`.
    pub status: String,
    /// Win: its bet; rollback: the rolled-back transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Win: closes the round.
    pub round_closed: bool,
    /// Refusal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Default)]
struct Inner {
    balances: BTreeMap<String, BTreeMap<String, i64>>,
    txs: BTreeMap<String, MockTx>,
    /// tx id → (request body, status, answer).
    answers: BTreeMap<String, (Value, u16, Value)>,
    closed_rounds: std::collections::BTreeSet<String>,
    /// Nonces of accepted requests → the unix second after which they are forgotten.
    nonces: std::collections::HashMap<String, i64>,
    /// The second of the last sweep of forgotten nonces (one sweep a second at most).
    nonces_swept_at: i64,
}

#[derive(Debug)]
struct Mock {
    config: MockConfig,
    rng: Mutex<StdRng>,
    inner: Mutex<Inner>,
    requests: AtomicU64,
    timeouts: AtomicU64,
    errors: AtomicU64,
    duplicates: AtomicU64,
    duplicate_mismatches: AtomicU64,
    in_flight: AtomicU64,
}

/// A running mock operator.
#[derive(Debug)]
pub struct MockOperator {
    /// Bound address.
    pub addr: SocketAddr,
    tls: bool,
    mock: Arc<Mock>,
    task: tokio::task::JoinHandle<()>,
}

impl MockOperator {
    /// `http://addr`, or `https://addr` when serving TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The report `GET /report` serves.
    pub fn report(&self) -> Value {
        report(&self.mock)
    }

    /// Calls still being processed (delayed "timeouts" included).
    pub fn in_flight(&self) -> u64 {
        self.mock.in_flight.load(Ordering::SeqCst)
    }

    /// Stops serving.
    pub fn stop(self) {
        self.task.abort();
    }

    /// Waits until the server stops.
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Starts a mock operator on `listen` (e.g. `127.0.0.1:0`), over HTTPS when `config.tls` is set.
pub async fn start(listen: &str, config: MockConfig) -> std::io::Result<MockOperator> {
    let acceptor = config.tls.as_ref().map(tls_acceptor).transpose()?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let mock = Arc::new(Mock {
        rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
        config,
        inner: Mutex::new(Inner::default()),
        requests: AtomicU64::new(0),
        timeouts: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        duplicates: AtomicU64::new(0),
        duplicate_mismatches: AtomicU64::new(0),
        in_flight: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/report", get(report_handler))
        .route("/{endpoint}", post(wallet_call))
        .with_state(mock.clone());
    let tls = acceptor.is_some();
    let task = match acceptor {
        None => tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }),
        Some(acceptor) => tokio::spawn(async move {
            let (tx, rx) = tokio::sync::mpsc::channel(TLS_HANDSHAKES_MAX);
            let handshakes = tokio::spawn(accept_tls(listener, acceptor, tx));
            let _ = axum::serve(TlsListener { rx, addr }, app).await;
            handshakes.abort();
        }),
    };
    Ok(MockOperator {
        addr,
        tls,
        mock,
        task,
    })
}

fn invalid(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

/// A rustls server configuration (ring provider) from PEM text.
fn tls_acceptor(tls: &MockTls) -> std::io::Result<tokio_rustls::TlsAcceptor> {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let certs = CertificateDer::pem_slice_iter(tls.cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("tls certificate", e))?;
    if certs.is_empty() {
        return Err(invalid("tls certificate", "no PEM certificate found"));
    }
    let key =
        PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).map_err(|e| invalid("tls key", e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("tls", e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid("tls certificate and key", e))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// Accepts TCP connections and runs each TLS handshake in its own task (a slow client delays
/// nobody), handing finished ones to the HTTP server; stops when the server is gone.
async fn accept_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    tx: tokio::sync::mpsc::Sender<(TlsStream, SocketAddr)>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            () = tx.closed() => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::debug!(error = %e, "mock operator accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send((stream, peer)).await;
                }
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, %peer, "mock operator tls handshake failed")
                }
                Err(_) => tracing::debug!(%peer, "mock operator tls handshake timed out"),
            }
        });
    }
}

/// The HTTP server's view of the finished TLS connections.
struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(TlsStream, SocketAddr)>,
    addr: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // The acceptor stopped: serve what is open and accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn report_handler(State(mock): State<Arc<Mock>>) -> Response {
    axum::Json(report(&mock)).into_response()
}

fn report(mock: &Mock) -> Value {
    let inner = lock(&mock.inner);
    let by_kind = |k: &str| -> BTreeMap<String, MockTx> {
        inner
            .txs
            .iter()
            .filter(|(_, t)| t.kind == k)
            .map(|(id, t)| (id.clone(), t.clone()))
            .collect()
    };
    json!({
        "initial_balance": mock.config.initial_balance,
        "balances": inner.balances,
        "bets": by_kind("bet"),
        "wins": by_kind("win"),
        "rollbacks": by_kind("rollback"),
        "transactions": inner.txs,
        "counters": {
            "requests": mock.requests.load(Ordering::SeqCst),
            "timeouts": mock.timeouts.load(Ordering::SeqCst),
            "errors": mock.errors.load(Ordering::SeqCst),
            "duplicates": mock.duplicates.load(Ordering::SeqCst),
            "duplicate_mismatches": mock.duplicate_mismatches.load(Ordering::SeqCst),
            "in_flight": mock.in_flight.load(Ordering::SeqCst),
        },
    })
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"error": {"code": code, "message": message}}))
}

fn reply((status, body): (u16, Value)) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

enum Fault {
    None,
    Timeout { apply_first: bool },
    Error { after: bool },
    Duplicate,
}

async fn wallet_call(
    State(mock): State<Arc<Mock>>,
    Path(endpoint): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mock.requests.fetch_add(1, Ordering::SeqCst);
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ts: i64 = header(sign::TIMESTAMP_HEADER).parse().unwrap_or(0);
    let now = clock::now_secs();
    if (now - ts).abs() > mock.config.window_secs {
        return reply(error(
            401,
            "timestamp_out_of_window",
            "stale or missing timestamp",
        ));
    }
    let nonce = header(sign::NONCE_HEADER);
    if !sign::nonce_is_valid(nonce) {
        return reply(error(
            401,
            "signature_invalid",
            "missing or malformed nonce",
        ));
    }
    let signed = sign::Signed {
        timestamp: ts,
        nonce,
        method: method.as_str(),
        path_and_query: uri.path_and_query().map_or(uri.path(), |p| p.as_str()),
        body: &body,
    };
    if !signed.verify(&mock.config.secret, header(sign::SIGNATURE_HEADER)) {
        return reply(error(401, "signature_invalid", "bad signature"));
    }
    {
        let mut inner = lock(&mock.inner);
        if inner.nonces_swept_at != now {
            inner.nonces_swept_at = now;
            inner.nonces.retain(|_, until| *until >= now);
        }
        let until = ts.saturating_add(mock.config.window_secs);
        if inner.nonces.insert(nonce.to_owned(), until).is_some() {
            return reply(error(
                401,
                "signature_replayed",
                "this nonce was already used",
            ));
        }
    }
    if !matches!(endpoint.as_str(), "balance" | "bet" | "win" | "rollback") {
        return reply(error(404, "not_found", "no such endpoint"));
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return reply(error(400, "invalid_json", "the body is not JSON"));
    };
    let fault = {
        let mut rng = lock(&mock.rng);
        let c = &mock.config;
        let x: f64 = rng.random();
        if x < c.timeout_rate {
            Fault::Timeout {
                apply_first: rng.random(),
            }
        } else if x < c.timeout_rate + c.error_rate {
            Fault::Error {
                after: rng.random(),
            }
        } else if x < c.timeout_rate + c.error_rate + c.duplicate_rate {
            Fault::Duplicate
        } else {
            Fault::None
        }
    };
    mock.in_flight.fetch_add(1, Ordering::SeqCst);
    // Processing runs in its own task: a caller that gives up (timeout) does not cancel it.
    let m = mock.clone();
    let task = tokio::spawn(async move {
        let wait = Duration::from_millis(m.config.timeout_ms);
        let out = match fault {
            Fault::None => process(&m, &endpoint, &request),
            Fault::Timeout { apply_first } => {
                m.timeouts.fetch_add(1, Ordering::SeqCst);
                if apply_first {
                    let out = process(&m, &endpoint, &request);
                    tokio::time::sleep(wait).await;
                    out
                } else {
                    tokio::time::sleep(wait).await;
                    process(&m, &endpoint, &request)
                }
            }
            Fault::Error { after } => {
                m.errors.fetch_add(1, Ordering::SeqCst);
                if after {
                    let _ = process(&m, &endpoint, &request);
                }
                error(500, "internal", "injected failure")
            }
            Fault::Duplicate => {
                m.duplicates.fetch_add(1, Ordering::SeqCst);
                let first = process(&m, &endpoint, &request);
                let second = process(&m, &endpoint, &request);
                if first != second && endpoint != "balance" {
                    m.duplicate_mismatches.fetch_add(1, Ordering::SeqCst);
                }
                second
            }
        };
        m.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    });
    match task.await {
        Ok(out) => reply(out),
        Err(_) => reply(error(500, "internal", "mock task failed")),
    }
}

#[derive(Deserialize)]
struct Call {
    #[serde(default)]
    transaction_id: String,
    player_id: String,
    currency: String,
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    round_id: String,
    #[serde(default)]
    bet_transaction_id: Option<String>,
    #[serde(default)]
    round_closed: bool,
    #[serde(default)]
    rolled_back_transaction_id: Option<String>,
}

/// Applies one call under the lock; the same transaction id with the same body answers the same.
fn process(mock: &Mock, endpoint: &str, request: &Value) -> (u16, Value) {
    let Ok(call) = serde_json::from_value::<Call>(request.clone()) else {
        return error(400, "invalid_field", "missing or invalid fields");
    };
    let mut inner = lock(&mock.inner);
    let initial = i64::try_from(mock.config.initial_balance).unwrap_or(i64::MAX);
    let inner = &mut *inner;
    let balance = inner
        .balances
        .entry(call.player_id.clone())
        .or_default()
        .entry(call.currency.clone())
        .or_insert(initial);
    if endpoint == "balance" {
        return (200, json!({"balance": *balance}));
    }
    let tx = call.transaction_id.clone();
    if tx.is_empty() || call.amount < 0 {
        return error(
            400,
            "invalid_field",
            "transaction_id and amount are required",
        );
    }
    if let Some((body, status, answer)) = inner.answers.get(&tx) {
        return if body == request {
            (*status, answer.clone())
        } else {
            error(
                409,
                "transaction_conflict",
                "this transaction id was used for another call",
            )
        };
    }
    let record = |status: &str, reference: Option<String>, err: Option<&str>| MockTx {
        kind: endpoint.to_owned(),
        player_id: call.player_id.clone(),
        currency: call.currency.clone(),
        amount: call.amount,
        round_id: call.round_id.clone(),
        status: status.to_owned(),
        reference,
        round_closed: call.round_closed,
        error: err.map(str::to_owned),
    };
    let (status, answer) = match endpoint {
        "bet" => {
            if inner.txs.get(&tx).is_some_and(|t| t.status == "tombstone") {
                error(
                    409,
                    "transaction_rolled_back",
                    "this bet was rolled back before it arrived",
                )
            } else if *balance < call.amount {
                inner.txs.insert(
                    tx.clone(),
                    record("refused", None, Some("insufficient_funds")),
                );
                error(
                    409,
                    "insufficient_funds",
                    "the balance does not cover the bet",
                )
            } else {
                *balance -= call.amount;
                let b = *balance;
                inner.txs.insert(tx.clone(), record("applied", None, None));
                (200, json!({"balance": b}))
            }
        }
        "win" => {
            let bet_id = call.bet_transaction_id.clone().unwrap_or_default();
            let bet_ok = inner
                .txs
                .get(&bet_id)
                .is_some_and(|b| b.kind == "bet" && b.status == "applied");
            if !bet_ok {
                inner.txs.insert(
                    tx.clone(),
                    record("refused", Some(bet_id), Some("bet_not_found")),
                );
                error(409, "bet_not_found", "the referenced bet does not stand")
            } else if inner.closed_rounds.contains(&bet_id) {
                inner.txs.insert(
                    tx.clone(),
                    record("refused", Some(bet_id), Some("round_closed")),
                );
                error(409, "round_closed", "the round is closed")
            } else {
                *balance += call.amount;
                let b = *balance;
                if call.round_closed {
                    inner.closed_rounds.insert(bet_id.clone());
                }
                inner
                    .txs
                    .insert(tx.clone(), record("applied", Some(bet_id), None));
                (200, json!({"balance": b}))
            }
        }
        _ => {
            let target = call.rolled_back_transaction_id.clone().unwrap_or_default();
            match inner
                .txs
                .get(&target)
                .map(|t| (t.kind.clone(), t.status.clone()))
            {
                None => {
                    // Unknown: remember it, so the bet is refused if it arrives later.
                    let mut tomb = record("tombstone", None, None);
                    tomb.kind = "bet".into();
                    tomb.round_closed = false;
                    inner.txs.insert(target.clone(), tomb);
                    let b = *balance;
                    inner
                        .txs
                        .insert(tx.clone(), record("noop", Some(target), None));
                    (200, json!({"balance": b}))
                }
                Some((kind, status)) if kind == "bet" && status == "applied" => {
                    if inner.closed_rounds.contains(&target) {
                        error(409, "round_closed", "a settled round cannot be rolled back")
                    } else {
                        let amount = inner.txs.get(&target).map_or(0, |t| t.amount);
                        *balance += amount;
                        let b = *balance;
                        if let Some(t) = inner.txs.get_mut(&target) {
                            t.status = "rolled_back".into();
                        }
                        inner
                            .txs
                            .insert(tx.clone(), record("applied", Some(target), None));
                        (200, json!({"balance": b}))
                    }
                }
                Some(_) => {
                    let b = *balance;
                    inner
                        .txs
                        .insert(tx.clone(), record("noop", Some(target), None));
                    (200, json!({"balance": b}))
                }
            }
        }
    };
    inner
        .answers
        .insert(tx, (request.clone(), status, answer.clone()));
    (status, answer)
}
