//! The instant-games service behind the player API: seeds, bets, multi-step rounds, history,
//! responsible-gaming limits and the live feed.
//!
//! A bet runs under its player's lock (one bet of a player at a time, so nonces are handed out in
//! order and limits see every earlier bet): idempotency check, limits, nonce, outcome from the pure
//! crates, money through the player's [`wallet::GameWallet`]. With the internal wallet an
//! instant bet is one request to the group-commit pipeline: its linked ledger chain and its row
//! commit in the same transaction, or neither does
//! ([`wallet::LedgerGameWallet::bet_and_settle_recorded`]). With an operator's wallet, and for multi-step
//! rounds, the row follows the money through the same pipeline
//! ([`wallet::Pipeline::insert_bet`], in its next transaction). The
//! database enforces that each (server seed, client seed, nonce) is used once.

pub mod catalogue;
pub mod config;
pub mod engine;
pub mod feed;
pub mod http;
pub mod limits;
pub mod players;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fair::{ByteStream, ClientSeed, SeedPair, ServerSeed};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{BetRecord, RevealedSeedRecord};
use tokio::sync::broadcast;

use api::Auth;
use api::error::{ApiError, ErrorCode};
use api::ids::IdGenerator;
use wallet::{Credit, Debit, GameWalletError, WalletRouter};

use catalogue::GameKind;
use feed::{BalanceChange, Feed, FeedBatch, FeedItem, Settled};
use limits::{DAY_MS, Limits};

pub use config::{CurrencyLimits, GamesConfig};
pub use http::GamesApi;
pub use players::PlayerLeases;

api::service_state!(
    /// What the games' handlers and jobs share.
    GamesState over GamesDeps
);

/// The parts of [`GamesState`].
pub struct GamesDeps {
    /// The database.
    pub store: Arc<dyn store::Store>,
    /// Id generator for this node.
    pub ids: Arc<IdGenerator>,
    /// Token checks.
    pub auth: Arc<Auth>,
    /// Which wallet holds each player's money for game rounds (the `wallet` port).
    pub game_wallets: Arc<dyn WalletRouter>,
    /// The service: settings, player locks, bet writer, live feed.
    pub games: Arc<Games>,
}

/// The games' routes over their state.
pub fn router(state: GamesState) -> axum::Router {
    http::routes().with_state(state)
}

/// Longest `Idempotency-Key` accepted.
pub const IDEMPOTENCY_KEY_BYTES_MAX: usize = 128;
/// Players whose state stays cached after their last bet (idle entries are evicted by age).
const PLAYER_IDLE_EVICT_MS: i64 = 10 * 60 * 1_000;
/// Idle rounds settled per sweep at most.
const IDLE_ROUNDS_PER_SWEEP_MAX: i64 = 256;
/// Bets per history page at most.
pub const HISTORY_PAGE_MAX: i64 = 100;

/// Per-player state kept between bets (loaded from the database on first use; in a cluster, again
/// whenever another node acted for the player, see [`players`]).
#[derive(Default)]
struct Player {
    /// The fencing token of the player's last lease this node held (a cluster only).
    fence: u64,
    /// Whether `session_start_ms` and `last_bet_ms` are known (a cluster loads them on first use).
    session_known: bool,
    /// The seed pair with the next nonce to use, and its stored text (for compare-and-set).
    pair: Option<(SeedPair, String)>,
    display_name: Option<String>,
    limits: Option<Limits>,
    /// Currency → (UTC day number, net loss that day).
    losses: HashMap<String, (i64, i64)>,
    session_start_ms: i64,
    last_bet_ms: i64,
    last_used_ms: i64,
}

/// The games service, shared by every handler.
pub struct Games {
    /// Settings.
    pub config: Arc<GamesConfig>,
    players: players::Players,
    /// The cluster's per-player leases (`None` on an embedded node).
    leases: Option<PlayerLeases>,
    /// The ledger's group-commit writer, which also stores bet rows.
    writer: wallet::Pipeline,
    /// The live feed.
    pub feed: Feed,
    /// Balance changes for WebSocket forwarding.
    pub balances: broadcast::Sender<BalanceChange>,
}

impl std::fmt::Debug for Games {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Games").finish_non_exhaustive()
    }
}

/// A validated bet request.
#[derive(Debug, Clone)]
pub struct BetRequest {
    /// Game id.
    pub game: String,
    /// Stake, minor units.
    pub amount: u64,
    /// Currency code.
    pub currency: String,
    /// Params as sent.
    pub params: Value,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<String>,
}

/// Round bookkeeping stored next to the pure round state.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct RoundRecord {
    round: casino::Round,
    /// The debit's transaction id.
    bet_tx: i64,
    /// The transaction id the settling credit will use (fixed at bet time, so a retried settlement
    /// pays once).
    settle_tx: i64,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(format!("os rng: {e}")))?;
    Ok(b)
}

fn fresh_server_seed() -> Result<ServerSeed, ApiError> {
    Ok(ServerSeed::from_bytes(random_bytes::<32>()?))
}

fn wallet_error(e: GameWalletError) -> ApiError {
    match e {
        GameWalletError::InsufficientFunds => ApiError::new(ErrorCode::InsufficientFunds),
        GameWalletError::UnsupportedCurrency(c) => ApiError::with_message(
            ErrorCode::UnsupportedCurrency,
            format!("The currency `{c}` is not available in this wallet."),
        ),
        GameWalletError::Refused { code, message } => ApiError::with_message(
            ErrorCode::Conflict,
            format!("The wallet refused the bet ({code}): {message}"),
        ),
        GameWalletError::Unavailable(m) => {
            tracing::warn!(error = %m, "game wallet unavailable");
            ApiError::new(ErrorCode::Unavailable)
        }
        GameWalletError::Internal(m) => ApiError::internal(m),
    }
}

fn play_error(e: engine::PlayError) -> ApiError {
    ApiError::field(e.field, e.message)
}

fn request_hash(r: &BetRequest) -> String {
    let text = json!([r.game, r.amount, r.currency, r.params]).to_string();
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A stored multiplier (units of 1e-8) in the wire format: the exact decimal string.
fn multiplier_text(units: i64) -> String {
    casino::Multiplier(u64::try_from(units).unwrap_or(0)).to_decimal()
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl Games {
    /// Starts the feed task (needs a tokio runtime). Bet rows are written by `writer`, the
    /// ledger's group-commit pipeline, in the same transactions as the ledger's batches. A cluster
    /// node passes its per-player `leases`; an embedded node `None`.
    pub fn start(
        config: Arc<GamesConfig>,
        writer: wallet::Pipeline,
        feed_tx: broadcast::Sender<FeedBatch>,
        balance_tx: broadcast::Sender<BalanceChange>,
        leases: Option<PlayerLeases>,
    ) -> Self {
        Self {
            writer,
            feed: Feed::start(config.clone(), feed_tx),
            balances: balance_tx,
            players: players::Players::default(),
            leases,
            config,
        }
    }

    /// Locks the player for one action (see [`players`]).
    async fn lock(&self, user_id: i64, now_ms: i64) -> Result<players::Locked, ApiError> {
        self.players
            .lock(self.leases.as_ref(), user_id, now_ms)
            .await
    }

    /// Drops cached players idle for a while (their state reloads from the database).
    pub fn evict_idle(&self, now_ms: i64) {
        self.players.evict_idle(now_ms - PLAYER_IDLE_EVICT_MS);
    }
}

/// The kv key of a player's session start (a cluster keeps it there, so that every node measures
/// the session-time limit from the same start).
fn session_key(user_id: i64) -> String {
    format!("games-session:{user_id}")
}

/// Loads the player's session start and last bet time, once per cached state (a cluster only; an
/// embedded node is the only one to see the player's bets and keeps them in memory).
async fn ensure_session(state: &GamesState, user_id: i64, p: &mut Player) -> Result<(), ApiError> {
    let Some(leases) = state.games.leases.as_ref() else {
        return Ok(());
    };
    if p.session_known {
        return Ok(());
    }
    let last = state.store.bets_page(user_id, None, None, 1).await?;
    p.last_bet_ms = last.first().map_or(0, |b| b.created_at_ms);
    p.session_start_ms = leases
        .kv()
        .counter(&session_key(user_id))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, user_id, "session start unavailable");
            ApiError::new(ErrorCode::Unavailable)
        })?;
    p.session_known = true;
    Ok(())
}

/// Starts a new session at `now_ms` (shared through the kv in a cluster).
async fn start_session(
    state: &GamesState,
    user_id: i64,
    p: &mut Player,
    now_ms: i64,
) -> Result<(), ApiError> {
    if let Some(leases) = state.games.leases.as_ref() {
        // The counter holds `p.session_start_ms` (loaded under the same lease): move it to now.
        leases
            .kv()
            .incr(&session_key(user_id), now_ms - p.session_start_ms)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, user_id, "session start not stored");
                ApiError::new(ErrorCode::Unavailable)
            })?;
    }
    p.session_start_ms = now_ms;
    Ok(())
}

/// Loads (creating on first use) the player's seed pair and sets its nonce past every stored bet.
async fn ensure_pair(state: &GamesState, user_id: i64, p: &mut Player) -> Result<(), ApiError> {
    if p.pair.is_some() {
        return Ok(());
    }
    let store = &state.store;
    let text = match store.seed_pair(user_id).await? {
        Some(t) => t,
        None => {
            let client = ClientSeed::parse(&hex::encode(random_bytes::<8>()?))
                .map_err(ApiError::internal)?;
            let pair = SeedPair::new(fresh_server_seed()?, fresh_server_seed()?, client)
                .map_err(ApiError::internal)?;
            let text = serde_json::to_string(&pair).map_err(ApiError::internal)?;
            if store
                .insert_seed_pair(user_id, &text, state.auth.clock.now_ms())
                .await?
            {
                text
            } else {
                store
                    .seed_pair(user_id)
                    .await?
                    .ok_or_else(|| ApiError::internal("seed pair vanished"))?
            }
        }
    };
    let pair: SeedPair = serde_json::from_str(&text).map_err(ApiError::internal)?;
    let hash = pair.commitment().server_seed_hash;
    let used = store.max_nonce(&hash).await?.map_or(0, |n| n + 1);
    let pair = if u64::try_from(used).unwrap_or(0) > pair.nonce() {
        let mut v = serde_json::to_value(&pair).map_err(ApiError::internal)?;
        v["nonce"] = json!(used);
        serde_json::from_value(v).map_err(ApiError::internal)?
    } else {
        pair
    };
    p.pair = Some((pair, text));
    Ok(())
}

async fn ensure_limits(
    state: &GamesState,
    user_id: i64,
    p: &mut Player,
    now_ms: i64,
) -> Result<(), ApiError> {
    if p.limits.is_none() {
        let limits = match state.store.player_limits(user_id).await? {
            Some(t) => serde_json::from_str(&t).map_err(ApiError::internal)?,
            None => Limits::default(),
        };
        p.limits = Some(limits);
    }
    if let Some(l) = p.limits.as_mut()
        && l.apply_due(now_ms)
    {
        let text = serde_json::to_string(l).map_err(ApiError::internal)?;
        state
            .store
            .put_player_limits(user_id, &text, now_ms)
            .await?;
    }
    Ok(())
}

/// Today's net loss in `currency` (loaded once per day, then kept up to date by every bet).
async fn loss_today(
    state: &GamesState,
    user_id: i64,
    p: &mut Player,
    currency: &str,
    now_ms: i64,
) -> Result<i64, ApiError> {
    let day = now_ms.div_euclid(DAY_MS);
    if let Some((d, loss)) = p.losses.get(currency)
        && *d == day
    {
        return Ok(*loss);
    }
    let loss = state
        .store
        .net_loss_since(
            user_id,
            currency,
            day * DAY_MS,
            // A minute of slack for a clock stepped back between a bet's time and its id.
            api::ids::first_id_at(day * DAY_MS - 60_000),
        )
        .await?;
    p.losses.insert(currency.to_owned(), (day, loss));
    Ok(loss)
}

fn add_loss(p: &mut Player, currency: &str, now_ms: i64, delta: i64) {
    let day = now_ms.div_euclid(DAY_MS);
    let entry = p.losses.entry(currency.to_owned()).or_insert((day, 0));
    if entry.0 == day {
        entry.1 += delta;
    }
}

async fn check_limits(
    state: &GamesState,
    user_id: i64,
    p: &mut Player,
    currency: &str,
    amount: u64,
    now_ms: i64,
) -> Result<(), ApiError> {
    ensure_limits(state, user_id, p, now_ms).await?;
    let limits = p.limits.clone().unwrap_or_default();
    if let Some(until) = limits.self_excluded_until_ms
        && now_ms < until
    {
        return Err(ApiError::with_message(
            ErrorCode::SelfExcluded,
            format!(
                "You have excluded yourself from play until {}.",
                limits::format_date(until)
            ),
        ));
    }
    if let Some(max) = limits.max_bet.get(currency)
        && amount > *max
    {
        return Err(ApiError::with_message(
            ErrorCode::BetLimitExceeded,
            format!("The bet is above your own per-bet limit of {max} {currency} minor units."),
        ));
    }
    if let Some(max) = limits.daily_loss_limit.get(currency) {
        let loss = loss_today(state, user_id, p, currency, now_ms).await?;
        if loss.saturating_add(i64::try_from(amount).unwrap_or(i64::MAX))
            > i64::try_from(*max).unwrap_or(i64::MAX)
        {
            return Err(ApiError::with_message(
                ErrorCode::LossLimitReached,
                format!(
                    "The bet could take you past your daily loss limit of {max} {currency} minor units."
                ),
            ));
        }
    }
    let gap_ms = i64::try_from(state.games.config.session_gap_secs).unwrap_or(i64::MAX) * 1_000;
    ensure_session(state, user_id, p).await?;
    if p.last_bet_ms == 0 || now_ms - p.last_bet_ms >= gap_ms {
        start_session(state, user_id, p, now_ms).await?;
    }
    if let Some(minutes) = limits.session_minutes
        && now_ms - p.session_start_ms >= i64::try_from(minutes).unwrap_or(i64::MAX) * 60_000
    {
        return Err(ApiError::with_message(
            ErrorCode::SessionLimitReached,
            format!("Your session limit of {minutes} minutes is reached; take a break."),
        ));
    }
    Ok(())
}

/// Validates the game, currency and amount against the catalogue and configuration.
pub fn validate_bet(
    config: &GamesConfig,
    game: &str,
    currency: &str,
    amount: u64,
) -> Result<GameKind, ApiError> {
    let kind = catalogue::kind_of(game).ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::GameNotFound,
            format!("There is no game `{game}`."),
        )
    })?;
    let limits = config.currencies.get(currency).ok_or_else(|| ApiError {
        field: Some("currency".into()),
        ..ApiError::with_message(
            ErrorCode::UnsupportedCurrency,
            format!("The currency `{currency}` is not offered for bets."),
        )
    })?;
    if ledger::currency::by_symbol(currency).is_none() {
        return Err(ApiError {
            field: Some("currency".into()),
            ..ApiError::new(ErrorCode::UnsupportedCurrency)
        });
    }
    if amount < limits.min_bet || amount > limits.max_bet {
        return Err(ApiError {
            field: Some("amount".into()),
            ..ApiError::with_message(
                ErrorCode::AmountOutOfRange,
                format!(
                    "The amount must be between {} and {} {currency} minor units.",
                    limits.min_bet, limits.max_bet
                ),
            )
        });
    }
    Ok(kind)
}

fn provably_fair(b: &BetRecord) -> Value {
    json!({
        "server_seed_hash": b.server_seed_hash,
        "client_seed": b.client_seed,
        "nonce": b.nonce,
    })
}

fn round_view(b: &BetRecord, rr: &RoundRecord) -> Value {
    json!({
        "id": b.id.to_string(),
        "game": b.game,
        "status": if rr.round.is_open() { "open" } else { "settled" },
        "staked": rr.round.staked_minor(),
        "state": rr.round.view(),
    })
}

/// The response of a bet or round action.
fn bet_response(b: &BetRecord, balance: Option<u64>, rr: Option<&RoundRecord>) -> Value {
    let mut v = json!({
        "bet_id": b.id.to_string(),
        "game": b.game,
        "currency": b.currency,
        "amount": b.amount,
        "outcome": parse_json(&b.outcome),
        "multiplier": multiplier_text(b.multiplier),
        "payout": b.payout,
        "balance": balance,
        "provably_fair": provably_fair(b),
    });
    if let Some(rr) = rr {
        v["round"] = round_view(b, rr);
    }
    v
}

/// A history entry: the bet with its seeds (the server seed once revealed).
pub fn history_item(b: &BetRecord) -> Value {
    let mut pf = provably_fair(b);
    pf["server_seed"] = json!(b.server_seed);
    let mut v = json!({
        "bet_id": b.id.to_string(),
        "game": b.game,
        "currency": b.currency,
        "amount": b.amount,
        "payout": b.payout,
        "multiplier": multiplier_text(b.multiplier),
        "status": if b.status == store::games::BET_OPEN { "open" } else { "settled" },
        "params": parse_json(&b.params),
        "outcome": parse_json(&b.outcome),
        "created_at_ms": b.created_at_ms,
        "provably_fair": pf,
    });
    if let Some(rr) = b
        .round_state
        .as_deref()
        .and_then(|t| serde_json::from_str::<RoundRecord>(t).ok())
    {
        v["round"] = round_view(b, &rr);
    }
    v
}

fn publish(state: &GamesState, p: &Player, b: &BetRecord, balance: Option<u64>, now_ms: i64) {
    let games = &state.games;
    if let Some(balance) = balance {
        let _ = games.balances.send(BalanceChange {
            user_id: b.user_id,
            currency: b.currency.clone(),
            balance,
        });
    }
    if b.status != store::games::BET_SETTLED {
        return;
    }
    let name = p.display_name.clone().unwrap_or_else(|| "player".into());
    games.feed.offer(Settled {
        item: FeedItem {
            bet_id: b.id.to_string(),
            game: b.game.clone(),
            player: feed::mask_name(&name),
            currency: b.currency.clone(),
            amount: u64::try_from(b.amount).unwrap_or(0),
            multiplier: multiplier_text(b.multiplier),
            payout: u64::try_from(b.payout).unwrap_or(0),
            at_ms: now_ms,
        },
        multiplier_units: u64::try_from(b.multiplier).unwrap_or(0),
    });
}

fn cap(state: &GamesState, currency: &str, payout: u64) -> u64 {
    state
        .games
        .config
        .currencies
        .get(currency)
        .map_or(payout, |l| payout.min(l.max_payout))
}

/// Places a bet. Returns the response body (the stored one for a retried idempotency key).
///
/// A retried key must get its original response. Where the bet's row commits with its money (an
/// instant game on our own ledger), the database refuses a second row with the key, so the
/// stored response is looked up only when the bet fails (a retry fails there, or earlier on a
/// limit or a rule that changed since): no read on the path of a fresh bet. Elsewhere (rounds,
/// an operator's wallet) the money moves before the row is written, so the key is looked up
/// first, before any money moves.
pub async fn place_bet(
    state: &GamesState,
    user_id: i64,
    req: BetRequest,
) -> Result<Value, ApiError> {
    let kind = validate_bet(&state.games.config, &req.game, &req.currency, req.amount)?;
    let hash = request_hash(&req);
    let now_ms = state.auth.clock.now_ms();
    let mut p = state.games.lock(user_id, now_ms).await?;
    let wallet = state
        .game_wallets
        .wallet_for(user_id)
        .await
        .map_err(wallet_error)?;
    let atomic = kind != GameKind::Round && wallet.as_ledger().is_some();
    let prior = async |key: &str| -> Result<Option<Value>, ApiError> {
        match state.store.bet_by_idempotency_key(user_id, key).await? {
            Some(prior) if prior.request_hash == hash => Ok(Some(parse_json(&prior.response))),
            Some(_) => Err(ApiError::new(ErrorCode::IdempotencyConflict)),
            None => Ok(None),
        }
    };
    let key = req.idempotency_key.as_deref();
    if !atomic
        && let Some(key) = key
        && let Some(response) = prior(key).await?
    {
        return Ok(response);
    }
    let bet = BetContext {
        state,
        user_id,
        req: &req,
        kind,
        hash: &hash,
        wallet: wallet.as_ref(),
        now_ms,
    };
    let placed = place_locked(&bet, &mut p).await;
    match (placed, key) {
        (Err(e), Some(key)) if atomic => Ok(prior(key).await?.ok_or(e)?),
        (placed, _) => placed,
    }
}

/// What one bet is placed with, resolved before the player is locked.
struct BetContext<'a> {
    state: &'a GamesState,
    user_id: i64,
    req: &'a BetRequest,
    kind: GameKind,
    /// [`request_hash`] of the request (an idempotency key's retry must match it).
    hash: &'a str,
    wallet: &'a dyn wallet::GameWallet,
    now_ms: i64,
}

/// The money of a bet, once it moved.
struct Moved {
    /// The player's balance after it, when the wallet tells.
    balance: Option<u64>,
    /// The round of a multi-step game.
    round: Option<RoundRecord>,
    /// Whether the row is already stored (the internal wallet stores it with the money).
    stored: bool,
}

/// [`place_bet`] once the player is locked and the key known to be fresh (or, where the row
/// commits with the money, left to the database to check): admit, draw, move the money, record.
async fn place_locked(bet: &BetContext<'_>, p: &mut Player) -> Result<Value, ApiError> {
    admit(bet, p).await?;
    let (pair, _) = p
        .pair
        .as_ref()
        .ok_or_else(|| ApiError::internal("no seed pair"))?;
    let (seeds, next_pair) = pair
        .bet()
        .map_err(|e| ApiError::with_message(ErrorCode::Conflict, e.to_string()))?;
    let mut stream = ByteStream::new(
        seeds.server_seed.as_str(),
        seeds.client_seed.as_str(),
        seeds.nonce,
    );
    let req = bet.req;
    let played = engine::play(&req.game, bet.kind, &req.params, &mut stream, req.amount)
        .map_err(play_error)?;
    let mut record = new_record(bet, &seeds, &played)?;
    let moved = match move_money(bet, &mut record, played, &seeds.server_seed).await {
        Ok(moved) => moved,
        Err(e) => {
            if e.code == ErrorCode::Conflict {
                // The nonce or the seed was taken meanwhile (a node that lost the player's lease):
                // the next bet reloads the pair from the database.
                p.pair = None;
            }
            return Err(e);
        }
    };
    // The nonce is spent once the money moved.
    p.pair = Some((next_pair, p.pair.take().map(|(_, t)| t).unwrap_or_default()));
    record_bet(bet, p, record, &moved).await
}

/// The checks before anything is drawn: the player's limits, one open round per game; and the
/// player's display name and seed pair, loaded once.
async fn admit(bet: &BetContext<'_>, p: &mut Player) -> Result<(), ApiError> {
    let (state, req) = (bet.state, bet.req);
    check_limits(state, bet.user_id, p, &req.currency, req.amount, bet.now_ms).await?;
    if bet.kind == GameKind::Round
        && state
            .store
            .open_rounds(bet.user_id)
            .await?
            .iter()
            .any(|r| r.game == req.game)
    {
        return Err(ApiError::with_message(
            ErrorCode::RoundOpen,
            format!("A {} round is already open; finish it first.", req.game),
        ));
    }
    if p.display_name.is_none() {
        p.display_name = Some(state.store.user_by_id(bet.user_id).await?.display_name);
    }
    ensure_pair(state, bet.user_id, p).await
}

/// The bet's row as drawn, before any money moved (settled fields still empty).
fn new_record(
    bet: &BetContext<'_>,
    seeds: &fair::seeds::BetSeeds,
    played: &engine::Played,
) -> Result<BetRecord, ApiError> {
    let req = bet.req;
    Ok(BetRecord {
        id: bet.state.ids.next_id(),
        user_id: bet.user_id,
        game: req.game.clone(),
        currency: req.currency.clone(),
        amount: i64::try_from(req.amount).map_err(ApiError::internal)?,
        payout: 0,
        multiplier: 0,
        status: store::games::BET_SETTLED,
        server_seed_hash: seeds.server_seed.hash(),
        client_seed: seeds.client_seed.as_str().to_owned(),
        nonce: i64::try_from(seeds.nonce).map_err(ApiError::internal)?,
        idempotency_key: req.idempotency_key.clone(),
        request_hash: bet.hash.to_owned(),
        params: req.params.to_string(),
        outcome: played.outcome.to_string(),
        round_state: None,
        response: String::new(),
        created_at_ms: bet.now_ms,
        updated_at_ms: bet.now_ms,
        server_seed: None,
    })
}

/// Moves the bet's money: an instant game's stake and payout together (on our own ledger, with its
/// row in the same commit), or a round's stake (and its payout when it ended at once).
async fn move_money(
    bet: &BetContext<'_>,
    record: &mut BetRecord,
    played: engine::Played,
    server_seed: &fair::ServerSeed,
) -> Result<Moved, ApiError> {
    let (state, req, wallet) = (bet.state, bet.req, bet.wallet);
    let bet_tx = state.ids.next_id();
    let settle_tx = state.ids.next_id();
    let debit = Debit {
        tx_id: bet_tx,
        user_id: bet.user_id,
        currency: req.currency.clone(),
        amount: req.amount,
        round_id: record.id,
        game: req.game.clone(),
    };
    let Some(round) = played.round else {
        let payout = cap(state, &req.currency, played.payout);
        record.payout = i64::try_from(payout).map_err(ApiError::internal)?;
        record.multiplier = i64::try_from(played.multiplier).unwrap_or(i64::MAX);
        let credit = Credit {
            tx_id: settle_tx,
            user_id: bet.user_id,
            currency: req.currency.clone(),
            amount: payout,
            round_id: record.id,
            game: req.game.clone(),
            bet_tx_id: bet_tx,
            round_closed: true,
        };
        return Ok(match wallet.as_ledger() {
            Some(internal) => {
                let template = record.clone();
                let balance = internal
                    .bet_and_settle_recorded(&debit, &credit, move |balance| {
                        let mut row = template.clone();
                        row.response = bet_response(&row, balance, None).to_string();
                        row
                    })
                    .await?
                    .map_err(wallet_error)?;
                Moved {
                    balance,
                    round: None,
                    stored: true,
                }
            }
            None => Moved {
                balance: wallet
                    .bet_and_settle(&debit, &credit)
                    .await
                    .map_err(wallet_error)?,
                round: None,
                stored: false,
            },
        });
    };
    let rr = RoundRecord {
        round,
        bet_tx,
        settle_tx,
    };
    let mut balance = Some(wallet.bet(&debit).await.map_err(wallet_error)?);
    record.status = store::games::BET_OPEN;
    if !rr.round.is_open() {
        // Settled at once (a blackjack dealt to the player or the dealer).
        balance = settle_round(state, wallet, record, &rr, server_seed).await?;
    }
    record.round_state = Some(serde_json::to_string(&rr).map_err(ApiError::internal)?);
    Ok(Moved {
        balance,
        round: Some(rr),
        stored: false,
    })
}

/// After the money moved: stores the row (unless it went in with the money), counts the loss
/// toward the player's limits, publishes the bet and answers.
async fn record_bet(
    bet: &BetContext<'_>,
    p: &mut Player,
    mut record: BetRecord,
    moved: &Moved,
) -> Result<Value, ApiError> {
    let (state, req, now_ms) = (bet.state, bet.req, bet.now_ms);
    let response = bet_response(&record, moved.balance, moved.round.as_ref());
    record.response = response.to_string();
    if !moved.stored
        && let Err(e) = state.games.writer.insert_bet(record.clone()).await
    {
        // The money moved but the row did not land: the ledger keeps the round id in every
        // transfer, so the round can be reconstructed; the client learns the bet failed to record.
        tracing::error!(error = %e, bet_id = record.id, user_id = bet.user_id, "bet row not stored after the money moved");
        return Err(e.into());
    }
    if record.status == store::games::BET_SETTLED {
        add_loss(p, &req.currency, now_ms, record.amount - record.payout);
    } else {
        add_loss(p, &req.currency, now_ms, record.amount);
    }
    p.last_bet_ms = now_ms;
    publish(state, p, &record, moved.balance, now_ms);
    metrics::counter!("games_bets_total", "game" => req.game.clone()).increment(1);
    Ok(response)
}

/// Pays a finished round out and fills the record's settled fields. `record.amount` must hold the
/// total staked.
async fn settle_round(
    state: &GamesState,
    wallet: &dyn wallet::GameWallet,
    record: &mut BetRecord,
    rr: &RoundRecord,
    server_seed: &ServerSeed,
) -> Result<Option<u64>, ApiError> {
    let payout = match rr.round.payout_minor() {
        Some(Ok(p)) => p,
        Some(Err(e)) => return Err(ApiError::internal(e)),
        None => return Err(ApiError::internal("settling an open round")),
    };
    let payout = cap(state, &record.currency, payout);
    let credit = Credit {
        tx_id: rr.settle_tx,
        user_id: record.user_id,
        currency: record.currency.clone(),
        amount: payout,
        round_id: record.id,
        game: record.game.clone(),
        bet_tx_id: rr.bet_tx,
        round_closed: true,
    };
    let balance = wallet.win(&credit).await.map_err(wallet_error)?;
    record.payout = i64::try_from(payout).map_err(ApiError::internal)?;
    record.multiplier = i64::try_from(engine::round_multiplier(
        payout,
        u64::try_from(record.amount).unwrap_or(0),
    ))
    .unwrap_or(i64::MAX);
    record.status = store::games::BET_SETTLED;
    let params = parse_json(&record.params);
    record.outcome = engine::round_outcome(
        &record.game,
        &params,
        server_seed.as_str(),
        &record.client_seed,
        u64::try_from(record.nonce).unwrap_or(0),
    )
    .to_string();
    Ok(balance)
}

/// The active server seed of a round's bet (still unrevealed: a round never outlives its pair).
fn active_seed_for(p: &Player, b: &BetRecord) -> Result<ServerSeed, ApiError> {
    let (pair, _) = p
        .pair
        .as_ref()
        .ok_or_else(|| ApiError::internal("no seed pair"))?;
    let v = serde_json::to_value(pair).map_err(ApiError::internal)?;
    let active = v["active"].as_str().unwrap_or_default();
    let seed = ServerSeed::parse(active).map_err(ApiError::internal)?;
    if seed.hash() != b.server_seed_hash {
        return Err(ApiError::internal("round seed is not the active seed"));
    }
    Ok(seed)
}

/// Applies a player action to an open round (`idle` applies the published idle rule instead).
pub async fn round_action(
    state: &GamesState,
    user_id: i64,
    game: &str,
    round_id: i64,
    action: Option<&Value>,
) -> Result<Value, ApiError> {
    if catalogue::kind_of(game) != Some(GameKind::Round) {
        return Err(ApiError::with_message(
            ErrorCode::GameNotFound,
            format!("There is no multi-step game `{game}`."),
        ));
    }
    let now_ms = state.auth.clock.now_ms();
    let mut p = state.games.lock(user_id, now_ms).await?;
    let mut record = match state.store.bet_by_id(user_id, round_id).await {
        Ok(r) if r.game == game => r,
        Ok(_) => {
            return Err(ApiError::with_message(
                ErrorCode::NotFound,
                "There is no such round.",
            ));
        }
        Err(e) if e.is_not_found() => {
            return Err(ApiError::with_message(
                ErrorCode::NotFound,
                "There is no such round.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(mut rr) = record
        .round_state
        .as_deref()
        .and_then(|t| serde_json::from_str::<RoundRecord>(t).ok())
    else {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "There is no such round.",
        ));
    };
    if record.status != store::games::BET_OPEN || !rr.round.is_open() {
        return Err(ApiError::with_message(
            ErrorCode::IllegalAction,
            "The round is over.",
        ));
    }
    let idle_ms =
        i64::try_from(state.games.config.round_idle_secs).unwrap_or(i64::MAX / 2_000) * 1_000;
    if action.is_none() && now_ms - record.updated_at_ms < idle_ms {
        return Err(ApiError::with_message(
            ErrorCode::IllegalAction,
            "The round is not idle.",
        ));
    }
    let next = match action {
        Some(a) => rr.round.apply(a).map_err(|e| match e {
            casino::GameError::BadParams(m) => {
                ApiError::field("action", format!("Invalid action: {m}."))
            }
            other => ApiError::with_message(
                ErrorCode::IllegalAction,
                format!("That action is not allowed: {other}."),
            ),
        })?,
        None => rr.round.settle_idle(),
    };
    ensure_pair(state, user_id, &mut p).await?;
    let wallet = state
        .game_wallets
        .wallet_for(user_id)
        .await
        .map_err(wallet_error)?;
    let mut balance = None;
    let staked_before = rr.round.staked_minor();
    let staked_after = next.staked_minor();
    if staked_after > staked_before {
        let extra = staked_after - staked_before;
        let debit = Debit {
            tx_id: state.ids.next_id(),
            user_id,
            currency: record.currency.clone(),
            amount: extra,
            round_id,
            game: game.to_owned(),
        };
        balance = Some(wallet.bet(&debit).await.map_err(wallet_error)?);
        add_loss(
            &mut p,
            &record.currency,
            now_ms,
            i64::try_from(extra).unwrap_or(0),
        );
    }
    rr.round = next;
    record.amount = i64::try_from(rr.round.staked_minor()).map_err(ApiError::internal)?;
    record.updated_at_ms = now_ms;
    if !rr.round.is_open() {
        let seed = active_seed_for(&p, &record)?;
        balance = settle_round(state, wallet.as_ref(), &mut record, &rr, &seed).await?;
        add_loss(&mut p, &record.currency, now_ms, -record.payout);
    }
    record.round_state = Some(serde_json::to_string(&rr).map_err(ApiError::internal)?);
    let response = bet_response(&record, balance, Some(&rr));
    record.response = response.to_string();
    state.store.update_round(&record).await?;
    publish(state, &p, &record, balance, now_ms);
    Ok(response)
}

/// The player's open rounds of `game` (at most one).
pub async fn active_round(state: &GamesState, user_id: i64, game: &str) -> Result<Value, ApiError> {
    if catalogue::kind_of(game) != Some(GameKind::Round) {
        return Err(ApiError::with_message(
            ErrorCode::GameNotFound,
            format!("There is no multi-step game `{game}`."),
        ));
    }
    let open = state.store.open_rounds(user_id).await?;
    let Some(b) = open.into_iter().find(|b| b.game == game) else {
        return Err(ApiError::with_message(
            ErrorCode::NotFound,
            "No round of this game is open.",
        ));
    };
    let rr = b
        .round_state
        .as_deref()
        .and_then(|t| serde_json::from_str::<RoundRecord>(t).ok())
        .ok_or_else(|| ApiError::internal("round without state"))?;
    Ok(bet_response(&b, None, Some(&rr)))
}

/// `GET /v1/fair/seeds`.
pub async fn seeds(state: &GamesState, user_id: i64) -> Result<Value, ApiError> {
    let mut p = state.games.lock(user_id, state.auth.clock.now_ms()).await?;
    ensure_pair(state, user_id, &mut p).await?;
    let (pair, _) = p
        .pair
        .as_ref()
        .ok_or_else(|| ApiError::internal("no seed pair"))?;
    serde_json::to_value(pair.commitment()).map_err(ApiError::internal)
}

/// `POST /v1/fair/rotate` (and `PUT /v1/fair/client-seed`, which rotates with a new client seed).
pub async fn rotate(
    state: &GamesState,
    user_id: i64,
    client_seed: Option<&str>,
) -> Result<Value, ApiError> {
    let now_ms = state.auth.clock.now_ms();
    let mut p = state.games.lock(user_id, now_ms).await?;
    ensure_pair(state, user_id, &mut p).await?;
    let round_open = !state.store.open_rounds(user_id).await?.is_empty();
    let (pair, stored) = p
        .pair
        .clone()
        .ok_or_else(|| ApiError::internal("no seed pair"))?;
    let client = match client_seed {
        Some(c) => {
            ClientSeed::parse(c).map_err(|e| ApiError::field("client_seed", format!("{e}.")))?
        }
        None => ClientSeed::parse(&pair.commitment().client_seed).map_err(ApiError::internal)?,
    };
    let rotation = pair
        .rotate(client, fresh_server_seed()?, round_open)
        .map_err(|e| match e {
            fair::SeedError::RoundOpen => ApiError::with_message(
                ErrorCode::RoundOpen,
                "A multi-step round is open: finish it before rotating the seed.",
            ),
            other => ApiError::internal(other),
        })?;
    let new_text = serde_json::to_string(&rotation.pair).map_err(ApiError::internal)?;
    let r = &rotation.revealed;
    let record = RevealedSeedRecord {
        server_seed_hash: r.server_seed_hash.clone(),
        user_id,
        server_seed: r.server_seed.clone(),
        client_seed: r.client_seed.clone(),
        nonces_used: i64::try_from(r.nonces_used).unwrap_or(i64::MAX),
        revealed_at_ms: now_ms,
    };
    if let Err(e) = state
        .store
        .rotate_seed_pair(user_id, &stored, &new_text, &record)
        .await
    {
        // Another node rotated meanwhile: reload next time.
        p.pair = None;
        return Err(e.into());
    }
    let active = rotation.pair.commitment();
    p.pair = Some((rotation.pair, new_text));
    Ok(json!({
        "revealed": {
            "server_seed": r.server_seed,
            "server_seed_hash": r.server_seed_hash,
            "client_seed": r.client_seed,
            "nonce": r.nonces_used,
        },
        "active": active,
    }))
}

/// `GET /v1/me/limits`.
pub async fn get_limits(state: &GamesState, user_id: i64) -> Result<Value, ApiError> {
    let now_ms = state.auth.clock.now_ms();
    let mut p = state.games.lock(user_id, now_ms).await?;
    ensure_limits(state, user_id, &mut p, now_ms).await?;
    Ok(limits_view(state, p.limits.as_ref()))
}

fn limits_view(state: &GamesState, l: Option<&Limits>) -> Value {
    let default = Limits::default();
    let l = l.unwrap_or(&default);
    json!({
        "max_bet": l.max_bet,
        "daily_loss_limit": l.daily_loss_limit,
        "session_minutes": l.session_minutes,
        "self_excluded_until": l.self_excluded_until_ms.map(limits::format_date),
        "pending": l.pending,
        "cooling_off_secs": state.games.config.limit_raise_cooloff_secs,
    })
}

/// `PUT /v1/me/limits`.
pub async fn put_limits(
    state: &GamesState,
    user_id: i64,
    update: &limits::LimitsUpdate,
) -> Result<Value, ApiError> {
    let now_ms = state.auth.clock.now_ms();
    let mut p = state.games.lock(user_id, now_ms).await?;
    ensure_limits(state, user_id, &mut p, now_ms).await?;
    let mut limits = p.limits.clone().unwrap_or_default();
    let cooloff_ms = i64::try_from(state.games.config.limit_raise_cooloff_secs)
        .unwrap_or(i64::MAX / 2_000)
        .saturating_mul(1_000);
    let currencies = &state.games.config.currencies;
    limits
        .update(update, now_ms, cooloff_ms, |c| currencies.contains_key(c))
        .map_err(|(field, message)| ApiError::field(field, message))?;
    let text = serde_json::to_string(&limits).map_err(ApiError::internal)?;
    state
        .store
        .put_player_limits(user_id, &text, now_ms)
        .await?;
    p.limits = Some(limits);
    Ok(limits_view(state, p.limits.as_ref()))
}

/// Settles idle rounds by their published rule; returns how many were settled.
pub async fn settle_idle_rounds(state: &GamesState) -> Result<usize, ApiError> {
    let idle_ms =
        i64::try_from(state.games.config.round_idle_secs).unwrap_or(i64::MAX / 2_000) * 1_000;
    let before = state.auth.clock.now_ms() - idle_ms;
    let rounds = state
        .store
        .idle_rounds(before, IDLE_ROUNDS_PER_SWEEP_MAX)
        .await?;
    let mut settled = 0;
    for b in rounds {
        match round_action(state, b.user_id, &b.game, b.id, None).await {
            Ok(_) => settled += 1,
            Err(e) => tracing::warn!(
                round_id = b.id,
                code = e.code.as_str(),
                "idle round not settled"
            ),
        }
    }
    Ok(settled)
}

/// Starts the background jobs: idle-round settlement (on one node of a cluster at a time) and
/// player-cache eviction (every node, its own cache).
pub fn spawn_jobs(state: GamesState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = Duration::from_secs(state.games.config.idle_sweep_secs.max(1));
        let mut leader = match state.games.leases.as_ref() {
            Some(l) => l.leader("idle-rounds", period),
            None => api::leader::Leader::alone(),
        };
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if leader.lead().await {
                match settle_idle_rounds(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(rounds = n, "idle rounds settled"),
                    Err(e) => tracing::warn!(code = e.code.as_str(), "idle round sweep failed"),
                }
            }
            state.games.evict_idle(state.auth.clock.now_ms());
        }
    })
}
