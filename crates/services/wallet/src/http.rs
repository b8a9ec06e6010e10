//! Wallet routes: the player's balances and history, and the admin adjustment endpoint.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use ledger::chart::TransferKind;
use ledger::currency;
use ledger::{BALANCE_MAX, CreateTransferResult, Transfer};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use api::Auth;
use api::error::{ApiError, ErrorCode};
use api::extract::{AuthUser, JsonBody};
use axum::routing::{get, post};

use crate::{Adjustment, Direction, PipelineError, SIGNUP_LEDGER, Wallet, wallet_id};

api::service_state!(
    /// What the wallet's handlers share.
    WalletState over WalletDeps
);

/// The parts of [`WalletState`].
pub struct WalletDeps {
    /// The wallet service.
    pub wallet: Arc<Wallet>,
    /// The database (user records for the admin check).
    pub store: Arc<dyn store::Store>,
    /// Token and admin checks.
    pub auth: Arc<Auth>,
}

/// `GET /v1/wallet`, `GET /v1/wallet/transfers`, `POST /v1/admin/wallet/adjust`.
pub fn routes() -> axum::Router<WalletState> {
    axum::Router::new()
        .route("/v1/wallet", get(wallet))
        .route("/v1/wallet/transfers", get(transfers))
        .route("/v1/admin/wallet/adjust", post(adjust))
}

/// The wallet's OpenAPI paths.
#[derive(utoipa::OpenApi)]
#[openapi(paths(wallet, transfers, adjust))]
pub struct WalletApi;

/// Rows per history page when the client names none.
const PAGE_LIMIT_DEFAULT: u32 = 50;
/// Largest history page a client may ask for.
const PAGE_LIMIT_MAX: u32 = 200;
/// Longest adjustment reason, in characters.
const REASON_CHARS_MAX: usize = 500;

/// One currency of the wallet. Figures are integer minor units; `display_*` apply the decimals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BalanceView {
    /// Currency symbol, e.g. `PLAY`.
    pub currency: String,
    /// Ledger code of the currency.
    pub ledger: u32,
    /// Minor-unit decimals.
    pub decimals: u8,
    /// Posted balance (credits minus debits).
    pub balance: i64,
    /// Reserved by pending transfers.
    pub reserved: i64,
    /// What can be spent now.
    pub available: i64,
    /// `balance` with the decimals applied.
    pub display_balance: String,
    /// `available` with the decimals applied.
    pub display_available: String,
}

/// `GET /v1/wallet`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WalletView {
    /// One entry per currency the player holds, by ledger code.
    pub balances: Vec<BalanceView>,
}

/// One transfer seen from the player's wallet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    /// The transfer id (its idempotency key), as a decimal string.
    pub id: String,
    /// Transfer kind (`grant`, `bet`, `win`, `admin_credit`, …).
    pub kind: String,
    /// `credit` (money in) or `debit` (money out).
    pub direction: String,
    /// Minor units.
    pub amount: i64,
    /// Currency symbol.
    pub currency: String,
    /// Ledger timestamp (nanoseconds since the epoch) as a string; also the paging cursor.
    pub timestamp: String,
}

/// `GET /v1/wallet/transfers`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransferPage {
    /// Newest first.
    pub items: Vec<TransferView>,
    /// Pass as `cursor` to read older transfers; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query of `GET /v1/wallet/transfers`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TransfersQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<String>,
    /// Currency symbol (default `PLAY`).
    pub currency: Option<String>,
}

/// `POST /v1/admin/wallet/adjust`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustRequest {
    /// The player's user id (decimal string).
    pub user_id: String,
    /// Currency symbol, e.g. `PLAY`.
    pub currency: String,
    /// Minor units, at least 1.
    pub amount: u64,
    /// `credit` or `debit`.
    pub direction: Direction,
    /// Why (1 to 500 characters); logged in the audit log and bound to the transfer.
    pub reason: String,
    /// Idempotency key (a decimal u128, not 0); a retry with the same key answers the original
    /// transfer. Generated when absent.
    pub transfer_id: Option<String>,
}

/// Answer of `POST /v1/admin/wallet/adjust`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdjustResponse {
    /// False when this request repeated an earlier one with the same `transfer_id`.
    pub created: bool,
    /// The transfer as stored (for a repeat: the original).
    pub transfer: TransferView,
    /// The wallet balance after the commit.
    pub balance: Option<BalanceView>,
}

fn balance_views(accounts: &[ledger::Account]) -> Vec<BalanceView> {
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    ledger::wallet::wallet_balances(accounts)
        .into_iter()
        .map(|b| BalanceView {
            currency: b.symbol,
            ledger: b.ledger,
            decimals: b.decimals,
            balance: clamp(b.balance),
            reserved: clamp(b.reserved),
            available: clamp(b.available),
            display_balance: b.display_balance,
            display_available: b.display_available,
        })
        .collect()
}

fn transfer_view(t: &Transfer, wallet: ledger::AccountId) -> TransferView {
    TransferView {
        id: t.id.to_string(),
        kind: TransferKind::from_code(t.code).map_or_else(
            || format!("code_{}", t.code),
            |k| {
                serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            },
        ),
        direction: if t.credit_account_id == wallet {
            "credit"
        } else {
            "debit"
        }
        .to_owned(),
        amount: i64::try_from(t.amount).unwrap_or(i64::MAX),
        currency: currency::currency(t.ledger)
            .map_or_else(|| t.ledger.to_string(), |c| c.symbol.to_owned()),
        timestamp: t.timestamp.to_string(),
    }
}

impl From<PipelineError> for ApiError {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::Store(e) => e.into(),
            PipelineError::Closed => Self::new(ErrorCode::Unavailable),
            PipelineError::BadSize(_) => Self::internal(e),
        }
    }
}

/// The signed-in player's balances per currency. A player whose signup grant never landed (a
/// database hiccup at signup) receives it now.
#[utoipa::path(get, path = "/v1/wallet", tag = "wallet", security(("bearer" = [])), responses(
    (status = 200, body = WalletView), (status = 401, body = api::ErrorEnvelope)))]
pub async fn wallet(
    State(state): State<WalletState>,
    user: AuthUser,
) -> Result<Json<WalletView>, ApiError> {
    let mut accounts = state.wallet.accounts(user.user_id).await?;
    if !accounts.iter().any(|a| a.ledger == SIGNUP_LEDGER) {
        state.wallet.grant_signup(user.user_id).await?;
        accounts = state.wallet.accounts(user.user_id).await?;
    }
    Ok(Json(WalletView {
        balances: balance_views(&accounts),
    }))
}

/// The signed-in player's transfers in one currency, newest first, cursor-paginated.
#[utoipa::path(get, path = "/v1/wallet/transfers", tag = "wallet", security(("bearer" = [])),
    params(TransfersQuery), responses(
    (status = 200, body = TransferPage), (status = 400, body = api::ErrorEnvelope),
    (status = 401, body = api::ErrorEnvelope)))]
pub async fn transfers(
    State(state): State<WalletState>,
    user: AuthUser,
    query: Result<Query<TransfersQuery>, QueryRejection>,
) -> Result<Json<TransferPage>, ApiError> {
    let Query(q) = query.map_err(|e| {
        ApiError::with_message(
            ErrorCode::InvalidField,
            format!("The query string is invalid: {e}."),
        )
    })?;
    let before = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(c.parse::<u64>().map_err(|_| {
            ApiError::field(
                "cursor",
                "Field `cursor` must be a `next_cursor` from an earlier page.",
            )
        })?),
    };
    let limit = match q.limit.as_deref() {
        None | Some("") => PAGE_LIMIT_DEFAULT,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=PAGE_LIMIT_MAX).contains(l))
            .ok_or_else(|| {
                ApiError::field(
                    "limit",
                    format!("Field `limit` must be a whole number from 1 to {PAGE_LIMIT_MAX}."),
                )
            })?,
    };
    let ledger = parse_currency(q.currency.as_deref().unwrap_or("PLAY"), "currency")?;
    let page = state
        .wallet
        .transfers(user.user_id, ledger, before, limit)
        .await?;
    let wallet = wallet_id(user.user_id, ledger);
    Ok(Json(TransferPage {
        items: page
            .items
            .iter()
            .map(|t| transfer_view(t, wallet))
            .collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    }))
}

fn parse_currency(symbol: &str, field: &str) -> Result<u32, ApiError> {
    currency::by_symbol(symbol.trim())
        .map(|c| c.ledger)
        .ok_or_else(|| {
            ApiError::field(
                field,
                format!("Field `{field}` must be a known currency symbol such as PLAY."),
            )
        })
}

/// Credits or debits a player's wallet against the adjustment account, with a reason (admins
/// only). Idempotent on `transfer_id`.
#[utoipa::path(post, path = "/v1/admin/wallet/adjust", tag = "wallet", security(("bearer" = [])),
    request_body = AdjustRequest, responses(
    (status = 200, body = AdjustResponse), (status = 400, body = api::ErrorEnvelope),
    (status = 403, body = api::ErrorEnvelope), (status = 404, body = api::ErrorEnvelope),
    (status = 409, body = api::ErrorEnvelope)))]
pub async fn adjust(
    State(state): State<WalletState>,
    user: AuthUser,
    body: JsonBody,
) -> Result<Json<AdjustResponse>, ApiError> {
    // The permission first: a caller who is not an admin learns nothing of the body's shape.
    let admin = state
        .auth
        .require_admin(
            state.store.as_ref(),
            user,
            "Only administrators may adjust wallets.",
        )
        .await?;
    let req: AdjustRequest = body.parse()?;
    let user_id: i64 = req
        .user_id
        .trim()
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::field("user_id", "Field `user_id` must be a user id."))?;
    let ledger = parse_currency(&req.currency, "currency")?;
    if req.amount == 0 || req.amount > BALANCE_MAX {
        return Err(ApiError::field(
            "amount",
            "Field `amount` must be a positive number of minor units.",
        ));
    }
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_CHARS_MAX {
        return Err(ApiError::field(
            "reason",
            format!("Field `reason` must hold 1 to {REASON_CHARS_MAX} characters."),
        ));
    }
    let transfer_id = match req.transfer_id.as_deref() {
        Some(text) => text
            .trim()
            .parse::<u128>()
            .ok()
            .filter(|id| *id != 0 && *id != u128::MAX)
            .ok_or_else(|| {
                ApiError::field(
                    "transfer_id",
                    "Field `transfer_id` must be a decimal number above 0.",
                )
            })?,
        None => {
            let mut bytes = [0u8; 16];
            api::token::os_random(&mut bytes)?;
            u128::from_be_bytes(bytes).clamp(1, u128::MAX - 1)
        }
    };
    match state.store.user_by_id(user_id).await {
        Ok(_) => {}
        Err(e) if e.is_not_found() => {
            return Err(ApiError::with_message(
                ErrorCode::NotFound,
                "There is no user with this id.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let adjustment = Adjustment {
        transfer_id,
        user_id,
        ledger,
        amount: req.amount,
        direction: req.direction,
        reason,
        admin_id: admin.id,
    };
    let (result, stored) = state.wallet.adjust(&adjustment).await?;
    tracing::info!(
        target: "audit",
        admin_id = admin.id,
        user_id,
        transfer_id = %transfer_id,
        amount = req.amount,
        direction = ?req.direction,
        reason = %adjustment.reason,
        result = %result.name(),
        "wallet adjustment"
    );
    let wallet = wallet_id(user_id, ledger);
    match (result, stored) {
        (CreateTransferResult::Ok | CreateTransferResult::Exists, Some(t)) => {
            let accounts = state.wallet.accounts(user_id).await?;
            let balance = balance_views(&accounts)
                .into_iter()
                .find(|b| b.ledger == ledger);
            Ok(Json(AdjustResponse {
                created: result == CreateTransferResult::Ok,
                transfer: transfer_view(&t, wallet),
                balance,
            }))
        }
        (CreateTransferResult::ExceedsCredits, _) => Err(ApiError::with_message(
            ErrorCode::InsufficientFunds,
            "The wallet does not hold enough funds for this debit.",
        )),
        (other, _) => Err(ApiError::with_message(
            ErrorCode::Conflict,
            format!("The ledger refused the transfer: {}.", other.name()),
        )),
    }
}
