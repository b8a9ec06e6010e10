//! The operator API ("remote game server"): casinos and aggregators sign their requests, open
//! sessions for their players, and keep the money either in our ledger (internal mode) or in their
//! own wallet, which we call over HTTP (seamless mode) — with a call log, a durable outbox for wins
//! and rollbacks, a reference mock operator and a reconciler.
//!
//! [`OperatorHub`] is the shared part (store, HTTP client, caches, the outbox worker);
//! [`seamless::SeamlessWallet`] and [`seamless::OperatorRouter`] plug into the game code through
//! [`wallet::game`]. Contract: `docs/operator-integration.md`.

pub mod config;
pub mod events;
pub mod http;
pub mod mock;
pub mod reconcile;
pub mod seamless;
pub mod sign;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use store::operator::{OperatorPlayer, OperatorRecord, OperatorSession, OperatorTx, OutboxRecord};

use api::clock::Clock;
use api::error::{ApiError, ErrorCode};
use api::extract::SessionScope;
use api::ids::IdGenerator;
use api::token::Access;

pub use config::OperatorConfig;
pub use http::{OperatorApi, OperatorState};
pub use seamless::{OperatorRouter, SeamlessWallet};

/// The operator API's routes over its state.
pub fn router(state: OperatorState) -> axum::Router {
    http::routes().merge(events::routes()).with_state(state)
}

/// How an operator holds its players' money.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// In our ledger; the operator deposits and withdraws through signed endpoints.
    Internal,
    /// In the operator's wallet; we call its `balance`, `bet`, `win` and `rollback` endpoints.
    Seamless,
}

impl Mode {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Seamless => "seamless",
        }
    }

    /// Parses a stored or wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "internal" => Some(Self::Internal),
            "seamless" => Some(Self::Seamless),
            _ => None,
        }
    }
}

/// How long an operator's record is reused before it is read again (secret rotations and URL
/// changes on other nodes take at most this long to be seen by outgoing calls).
const OPERATOR_CACHE_MS: i64 = 5_000;
/// Entries of the user → operator cache before it is cleared.
const PLAYER_CACHE_MAX: usize = 100_000;
/// How long an operator session's row is reused before it is read again: a revocation on another
/// node takes at most this long to be seen (on the revoking node it is seen at once).
pub const SESSION_CACHE_MS: i64 = 5_000;
/// Entries of the session cache before it is cleared.
const SESSION_CACHE_MAX: usize = 100_000;
/// Outbox rows delivered concurrently by one worker pass.
const OUTBOX_CONCURRENCY: usize = 16;
/// Outbox rows read per worker query.
const OUTBOX_BATCH: u32 = 256;
/// How often expired signatures are deleted.
const NONCE_PURGE_MS: i64 = 60_000;

/// What an operator's wallet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// 2xx with a balance: done.
    Ok {
        /// Balance after the call, minor units.
        balance: u64,
    },
    /// 4xx with the operator's error code: refused, nothing moved.
    Refused {
        /// HTTP status (0 when the call was not sent).
        status: u16,
        /// The operator's code.
        code: String,
        /// The operator's message.
        message: String,
    },
    /// Timeout, connection error, 5xx, 408/429 or an unreadable answer: the outcome is unknown.
    Unavailable(String),
}

#[derive(Deserialize)]
struct WalletAnswer {
    balance: u64,
}

#[derive(Deserialize)]
struct WalletErrorBody {
    error: WalletErrorInner,
}

#[derive(Deserialize)]
struct WalletErrorInner {
    code: String,
    #[serde(default)]
    message: String,
}

/// The HTTP client for operator wallets: [`operator_client_builder`] with the wallet timeout.
fn wallet_client(config: &OperatorConfig) -> Result<reqwest::Client, String> {
    let timeout = Duration::from_millis(config.wallet_timeout_ms.max(1));
    operator_client_builder(config)?
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| format!("operator wallet client: {e}"))
}

/// An HTTP client builder for calls to operators: rustls with the web PKI roots, plus the
/// certificates of `operator.wallet_ca_file` when set.
pub fn operator_client_builder(config: &OperatorConfig) -> Result<reqwest::ClientBuilder, String> {
    let mut builder = reqwest::Client::builder().use_rustls_tls();
    if let Some(path) = config.wallet_ca_file.as_deref().filter(|p| !p.is_empty()) {
        for cert in read_ca_file(path)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// The certificates of a PEM file (at least one).
fn read_ca_file(path: &str) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path)
        .map_err(|e| format!("operator.wallet_ca_file {path}: cannot read it: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        format!("operator.wallet_ca_file {path}: not a PEM certificate bundle: {e}")
    })?;
    if certs.is_empty() {
        return Err(format!(
            "operator.wallet_ca_file {path}: holds no PEM certificate"
        ));
    }
    Ok(certs)
}

/// Whether a wallet URL may be called: `https://`, or `http://` when
/// `operator.allow_insecure_wallet_http` is on.
pub fn wallet_url_allowed(config: &OperatorConfig, url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https" || (u.scheme() == "http" && config.allow_insecure_wallet_http)
    })
}

/// Shared state of the operator API: storage, the HTTP client for operator wallets, caches and
/// the outbox worker's wake-up.
pub struct OperatorHub {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Id generator (rollback transaction ids).
    pub ids: Arc<IdGenerator>,
    /// Settings.
    pub config: OperatorConfig,
    /// The node's clock.
    pub clock: Clock,
    http: reqwest::Client,
    operators: Mutex<HashMap<String, (OperatorRecord, i64)>>,
    players: Mutex<HashMap<i64, Option<OperatorPlayer>>>,
    sessions: Mutex<HashMap<String, (OperatorSession, i64)>>,
    opened_accounts: Mutex<std::collections::HashSet<u128>>,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for OperatorHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorHub")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OperatorHub {
    /// A hub over `store` (no worker; see [`OperatorHub::start`]). Fails when
    /// `operator.wallet_ca_file` cannot be read or holds no certificate.
    pub fn new(
        store: Arc<dyn store::Store>,
        ids: Arc<IdGenerator>,
        config: OperatorConfig,
        clock: Clock,
    ) -> Result<Arc<Self>, String> {
        let http = wallet_client(&config)?;
        Ok(Arc::new(Self {
            store,
            ids,
            config,
            clock,
            http,
            operators: Mutex::new(HashMap::new()),
            players: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            opened_accounts: Mutex::new(std::collections::HashSet::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
        }))
    }

    /// A hub with its background worker running (outbox delivery, recovery of bets left pending,
    /// purge of expired nonces).
    pub fn start(
        store: Arc<dyn store::Store>,
        ids: Arc<IdGenerator>,
        config: OperatorConfig,
        clock: Clock,
    ) -> Result<Arc<Self>, String> {
        let hub = Self::new(store, ids, config, clock)?;
        tokio::spawn(worker(Arc::downgrade(&hub), hub.wake.clone()));
        Ok(hub)
    }

    /// The operator's record, cached for a few seconds.
    pub async fn operator(&self, id: &str) -> Result<OperatorRecord, store::StoreError> {
        let now = self.clock.now_ms();
        if let Some((op, at)) = lock(&self.operators).get(id)
            && now - at < OPERATOR_CACHE_MS
        {
            return Ok(op.clone());
        }
        let op = self.store.operators().operator_by_id(id).await?;
        lock(&self.operators).insert(id.to_owned(), (op.clone(), now));
        Ok(op)
    }

    /// An operator session by the SHA-256 of its token, cached for [`SESSION_CACHE_MS`].
    pub async fn session(&self, token_hash: &str) -> Result<OperatorSession, store::StoreError> {
        let now = self.clock.now_ms();
        if let Some((session, at)) = lock(&self.sessions).get(token_hash)
            && now - at < SESSION_CACHE_MS
        {
            return Ok(session.clone());
        }
        let session = self
            .store
            .operators()
            .session_by_token_hash(token_hash)
            .await?;
        let mut cache = lock(&self.sessions);
        if cache.len() >= SESSION_CACHE_MAX {
            cache.clear();
        }
        cache.insert(token_hash.to_owned(), (session.clone(), now));
        Ok(session)
    }

    /// Forgets a cached session (after its revocation on this node).
    pub fn forget_session(&self, token_hash: &str) {
        lock(&self.sessions).remove(token_hash);
    }

    /// Forgets a cached operator (after a change on this node).
    pub fn invalidate(&self, id: &str) {
        lock(&self.operators).remove(id);
    }

    /// The operator link of an internal account, if it has one (links never change once made).
    pub async fn player_of(
        &self,
        user_id: i64,
    ) -> Result<Option<OperatorPlayer>, store::StoreError> {
        if let Some(p) = lock(&self.players).get(&user_id) {
            return Ok(p.clone());
        }
        let p = match self.store.operators().player_by_user(user_id).await {
            Ok(p) => Some(p),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let mut cache = lock(&self.players);
        if cache.len() >= PLAYER_CACHE_MAX {
            cache.clear();
        }
        cache.insert(user_id, p.clone());
        Ok(p)
    }

    /// Whether a ledger account is known to be open (so it is not re-created on every call).
    pub(crate) fn account_opened(&self, id: u128) -> bool {
        lock(&self.opened_accounts).contains(&id)
    }

    pub(crate) fn mark_account_opened(&self, id: u128) {
        let mut set = lock(&self.opened_accounts);
        if set.len() >= PLAYER_CACHE_MAX {
            set.clear();
        }
        set.insert(id);
    }

    /// Wakes the outbox worker (something was enqueued).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Calls endpoint `endpoint` of the operator's wallet with a signed JSON body.
    pub async fn call(&self, op: &OperatorRecord, endpoint: &str, body: &str) -> CallOutcome {
        let Some(base) = op.wallet_url.as_deref() else {
            return CallOutcome::Unavailable("operator has no wallet url".into());
        };
        if !wallet_url_allowed(&self.config, base) {
            // Nothing is sent, so nothing moved: a bet is refused, a win or rollback waits in the
            // outbox until the configuration allows the call.
            return CallOutcome::Refused {
                status: 0,
                code: "insecure_wallet_url".into(),
                message: "plain http wallet urls need operator.allow_insecure_wallet_http".into(),
            };
        }
        let url = format!("{}/{endpoint}", base.trim_end_matches('/'));
        let Ok(parsed) = reqwest::Url::parse(&url) else {
            return CallOutcome::Refused {
                status: 0,
                code: "invalid_wallet_url".into(),
                message: format!("the wallet url {base} does not parse"),
            };
        };
        let path_and_query = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        let ts = self.clock.now_secs();
        let nonce = sign::new_nonce();
        let sig = sign::Signed {
            timestamp: ts,
            nonce: &nonce,
            method: "POST",
            path_and_query: &path_and_query,
            body: body.as_bytes(),
        }
        .sign(&op.secret);
        let res = self
            .http
            .post(parsed)
            .header("content-type", "application/json")
            .header(sign::OPERATOR_ID_HEADER, &op.id)
            .header(sign::TIMESTAMP_HEADER, ts.to_string())
            .header(sign::NONCE_HEADER, nonce)
            .header(sign::SIGNATURE_HEADER, sig)
            .body(body.to_owned())
            .send()
            .await;
        let res = match res {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return CallOutcome::Unavailable("timeout".into()),
            Err(e) => return CallOutcome::Unavailable(format!("request failed: {e}")),
        };
        let status = res.status().as_u16();
        let bytes = match res.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return CallOutcome::Unavailable("timeout".into()),
            Err(e) => return CallOutcome::Unavailable(format!("answer unreadable: {e}")),
        };
        match status {
            200..=299 => match serde_json::from_slice::<WalletAnswer>(&bytes) {
                Ok(a) => CallOutcome::Ok { balance: a.balance },
                Err(e) => CallOutcome::Unavailable(format!("answer without a balance: {e}")),
            },
            408 | 429 => CallOutcome::Unavailable(format!("http {status}")),
            400..=499 => match serde_json::from_slice::<WalletErrorBody>(&bytes) {
                Ok(b) => CallOutcome::Refused {
                    status,
                    code: b.error.code,
                    message: b.error.message,
                },
                Err(_) => CallOutcome::Refused {
                    status,
                    code: format!("http_{status}"),
                    message: String::new(),
                },
            },
            _ => CallOutcome::Unavailable(format!("http {status}")),
        }
    }

    /// The wait before attempt `attempts + 1` of an outbox row: `base × 2^(attempts-1)`, capped.
    pub fn backoff_ms(&self, attempts: i64) -> i64 {
        let base = i64::try_from(self.config.outbox_backoff_base_ms).unwrap_or(1_000);
        let max = i64::try_from(self.config.outbox_backoff_max_ms).unwrap_or(300_000);
        let shift = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        base.saturating_mul(1_i64 << shift).min(max).max(1)
    }

    /// How long a delivery attempt holds its outbox row before another worker may take it.
    pub fn lease_ms(&self) -> i64 {
        i64::try_from(self.config.wallet_timeout_ms)
            .unwrap_or(5_000)
            .saturating_add(1_000)
    }

    /// One delivery attempt of a claimed outbox row. Returns the balance when acknowledged.
    pub async fn deliver(&self, row: &OutboxRecord) -> Option<u64> {
        let op = match self.operator(&row.operator_id).await {
            Ok(op) => op,
            Err(e) => {
                self.attempt_failed(row, &format!("operator unavailable: {e}"))
                    .await;
                return None;
            }
        };
        match self.call(&op, &row.endpoint, &row.payload).await {
            CallOutcome::Ok { balance } => {
                let stored = i64::try_from(balance).ok();
                if let Err(e) = self
                    .store
                    .operators()
                    .outbox_delivered(row.tx_id, stored, self.clock.now_ms())
                    .await
                {
                    // Delivered but not recorded: the next attempt repeats the id and the
                    // operator answers the original.
                    tracing::warn!(tx_id = row.tx_id, error = %e, "outbox delivery not recorded");
                    return None;
                }
                Some(balance)
            }
            CallOutcome::Refused {
                status,
                code,
                message,
            } => {
                self.attempt_failed(row, &format!("http {status} {code}: {message}"))
                    .await;
                None
            }
            CallOutcome::Unavailable(reason) => {
                self.attempt_failed(row, &reason).await;
                None
            }
        }
    }

    async fn attempt_failed(&self, row: &OutboxRecord, reason: &str) {
        let attempts = row.attempts + 1;
        let next = self.clock.now_ms() + self.backoff_ms(attempts);
        tracing::debug!(
            tx_id = row.tx_id,
            attempts,
            reason,
            "outbox delivery failed"
        );
        if let Err(e) = self
            .store
            .operators()
            .outbox_failed(row.tx_id, attempts, next, reason)
            .await
        {
            tracing::warn!(tx_id = row.tx_id, error = %e, "outbox failure not recorded");
        }
    }

    /// Rolls back a bet whose outcome is unknown: records it as `unknown` and enqueues its
    /// rollback (once per bet). Returns the rollback's transaction id when one was enqueued now.
    pub async fn fail_bet(&self, bet: &OperatorTx, reason: &str) -> Option<i64> {
        let now = self.clock.now_ms();
        let rollback = OperatorTx {
            tx_id: self.ids.next_id(),
            kind: "rollback".into(),
            ref_tx_id: Some(bet.tx_id),
            round_closed: false,
            status: "queued".into(),
            balance_after: None,
            error_code: None,
            created_at_ms: now,
            updated_at_ms: now,
            ..bet.clone()
        };
        let payload = seamless::rollback_payload(&rollback);
        match self
            .store
            .operators()
            .fail_bet_and_enqueue_rollback(bet.tx_id, reason, &rollback, &payload, now)
            .await
        {
            Ok(created) => {
                self.wake();
                created.then_some(rollback.tx_id)
            }
            Err(e) => {
                // The bet stays `pending`; the worker's recovery sweep rolls it back later.
                tracing::error!(tx_id = bet.tx_id, error = %e, "rollback of a failed bet not queued");
                None
            }
        }
    }

    /// One pass of the worker: recover bets left pending, deliver every due outbox row.
    pub async fn run_once(&self) {
        let now = self.clock.now_ms();
        let grace = i64::try_from(self.config.wallet_timeout_ms + self.config.pending_bet_grace_ms)
            .unwrap_or(i64::MAX / 2);
        match self
            .store
            .operators()
            .stale_pending_bets(now - grace, OUTBOX_BATCH)
            .await
        {
            Ok(bets) => {
                for bet in bets {
                    tracing::warn!(tx_id = bet.tx_id, "bet left pending; rolling it back");
                    self.fail_bet(&bet, "abandoned").await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read pending bets"),
        }
        loop {
            let now = self.clock.now_ms();
            let due = match self.store.operators().due_outbox(now, OUTBOX_BATCH).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the outbox");
                    return;
                }
            };
            let full = due.len() == usize::try_from(OUTBOX_BATCH).unwrap_or(usize::MAX);
            if due.is_empty() {
                return;
            }
            use futures::StreamExt;
            futures::stream::iter(due)
                .for_each_concurrent(OUTBOX_CONCURRENCY, |row| async move {
                    let lease = self.clock.now_ms() + self.lease_ms();
                    match self
                        .store
                        .operators()
                        .claim_outbox(row.tx_id, row.next_attempt_at_ms, lease)
                        .await
                    {
                        Ok(true) => {
                            self.deliver(&row).await;
                        }
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(tx_id = row.tx_id, error = %e, "outbox claim failed")
                        }
                    }
                })
                .await;
            if !full {
                return;
            }
        }
    }
}

async fn worker(hub: std::sync::Weak<OperatorHub>, wake: Arc<tokio::sync::Notify>) {
    let mut last_purge = 0_i64;
    loop {
        let Some(h) = hub.upgrade() else { return };
        let poll = Duration::from_millis(h.config.outbox_poll_ms.max(1));
        let now = h.clock.now_ms();
        if now - last_purge >= NONCE_PURGE_MS {
            last_purge = now;
            if let Err(e) = h.store.operators().purge_nonces(now).await {
                tracing::warn!(error = %e, "cannot purge expired nonces");
            }
        }
        h.run_once().await;
        // Hold no strong reference while waiting, so a dropped hub ends the worker.
        drop(h);
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An operator session's token passes while its `operator_sessions` row — read through the
/// hub's ≤ 5 s cache — is neither revoked nor expired, and names the token's user and operator.
#[async_trait::async_trait]
impl api::SessionCheck for OperatorHub {
    async fn check_session(
        &self,
        token_hash: &str,
        access: &Access,
    ) -> Result<SessionScope, ApiError> {
        let session = match self.session(token_hash).await {
            Ok(s) => s,
            Err(e) if e.is_not_found() => {
                return Err(ApiError::unauthorized("The session token is invalid."));
            }
            Err(e) => return Err(e.into()),
        };
        if access.operator_id.as_deref() != Some(session.operator_id.as_str())
            || session.user_id != access.user_id
        {
            return Err(ApiError::unauthorized("The session token is invalid."));
        }
        if session.revoked_at_ms.is_some() {
            return Err(ApiError::new(ErrorCode::SessionRevoked));
        }
        if self.clock.now_ms() >= session.expires_at_ms {
            return Err(ApiError::new(ErrorCode::SessionExpired));
        }
        let currency = ledger::currency::by_symbol(&session.currency)
            .map(|c| c.symbol)
            .ok_or_else(|| ApiError::internal("operator session with an unknown currency"))?;
        Ok(SessionScope { currency })
    }
}
