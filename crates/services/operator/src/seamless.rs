//! Seamless mode: the player's money stays in the operator's wallet, and a round's debit and
//! credit are HTTP calls to it. [`SeamlessWallet`] is the `GameWallet` of one seamless operator;
//! [`OperatorRouter`] picks it for that operator's players and the internal wallet for everyone
//! else.
//!
//! Rules: every call carries our unique transaction id and is logged in `operator_tx` before it is
//! sent; a bet that times out or fails with 5xx is never retried under a new id — it is recorded as
//! `unknown` and its rollback is queued; wins and rollbacks are written with their outbox row in one
//! transaction and delivered (first inline, then by the worker with exponential backoff) until
//! acknowledged. No session token travels with wins or rollbacks, so none can have expired.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use store::operator::{OperatorRecord, OperatorTx};

use super::{CallOutcome, Mode, OperatorHub};
use wallet::{Credit, Debit, GameWallet, GameWalletError, Rollback, WalletRouter};

/// The `GameWallet` of one seamless operator.
#[derive(Clone, Debug)]
pub struct SeamlessWallet {
    hub: Arc<OperatorHub>,
    operator_id: String,
}

/// The JSON body of a `bet` call.
pub fn bet_payload(t: &OperatorTx) -> String {
    json!({
        "transaction_id": t.tx_id.to_string(),
        "player_id": t.player_id,
        "currency": t.currency,
        "amount": t.amount,
        "round_id": t.round_id.to_string(),
        "game": t.game,
    })
    .to_string()
}

/// The JSON body of a `win` call.
pub fn win_payload(t: &OperatorTx) -> String {
    json!({
        "transaction_id": t.tx_id.to_string(),
        "player_id": t.player_id,
        "currency": t.currency,
        "amount": t.amount,
        "round_id": t.round_id.to_string(),
        "game": t.game,
        "bet_transaction_id": t.ref_tx_id.unwrap_or(0).to_string(),
        "round_closed": t.round_closed,
    })
    .to_string()
}

/// The JSON body of a `rollback` call.
pub fn rollback_payload(t: &OperatorTx) -> String {
    json!({
        "transaction_id": t.tx_id.to_string(),
        "player_id": t.player_id,
        "currency": t.currency,
        "amount": t.amount,
        "round_id": t.round_id.to_string(),
        "game": t.game,
        "rolled_back_transaction_id": t.ref_tx_id.unwrap_or(0).to_string(),
    })
    .to_string()
}

fn unavailable(e: impl std::fmt::Display) -> GameWalletError {
    GameWalletError::Unavailable(e.to_string())
}

fn amount_i64(amount: u64) -> Result<i64, GameWalletError> {
    i64::try_from(amount).map_err(|_| GameWalletError::Internal("amount out of range".into()))
}

fn balance_u64(b: Option<i64>) -> Option<u64> {
    b.and_then(|b| u64::try_from(b).ok())
}

/// The error a refusal code stands for.
fn refusal(code: &str, message: &str, currency: &str) -> GameWalletError {
    match code {
        "insufficient_funds" => GameWalletError::InsufficientFunds,
        "unsupported_currency" => GameWalletError::UnsupportedCurrency(currency.to_owned()),
        _ => GameWalletError::Refused {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    }
}

/// Same call (every field but the status and outcome)?
fn same_call(a: &OperatorTx, b: &OperatorTx) -> bool {
    a.operator_id == b.operator_id
        && a.user_id == b.user_id
        && a.kind == b.kind
        && a.currency == b.currency
        && a.amount == b.amount
        && a.round_id == b.round_id
        && a.game == b.game
        && a.ref_tx_id == b.ref_tx_id
        && a.round_closed == b.round_closed
}

impl SeamlessWallet {
    /// The wallet of operator `operator_id`.
    pub fn new(hub: Arc<OperatorHub>, operator_id: impl Into<String>) -> Self {
        Self {
            hub,
            operator_id: operator_id.into(),
        }
    }

    /// The operator this wallet calls.
    pub fn operator_id(&self) -> &str {
        &self.operator_id
    }

    async fn context(
        &self,
        user_id: i64,
        currency: &str,
    ) -> Result<(OperatorRecord, String), GameWalletError> {
        let op = self
            .hub
            .operator(&self.operator_id)
            .await
            .map_err(unavailable)?;
        let player = self
            .hub
            .player_of(user_id)
            .await
            .map_err(unavailable)?
            .filter(|p| p.operator_id == op.id)
            .ok_or_else(|| {
                GameWalletError::Internal(format!(
                    "user {user_id} is not a player of operator {}",
                    op.id
                ))
            })?;
        if !op.currencies.iter().any(|c| c == currency) {
            return Err(GameWalletError::UnsupportedCurrency(currency.to_owned()));
        }
        Ok((op, player.player_id))
    }

    /// Records a win or rollback with its outbox row, then tries to deliver it once. Returns the
    /// balance when the operator acknowledged it now (or before).
    async fn enqueue(
        &self,
        rec: OperatorTx,
        payload: String,
    ) -> Result<Option<u64>, GameWalletError> {
        let ops = self.hub.store.operators();
        let lease = self.hub.clock.now_ms() + self.hub.lease_ms();
        let created = ops
            .enqueue_operator_tx(&rec, &payload, lease)
            .await
            .map_err(unavailable)?;
        if !created {
            let existing = match ops.operator_tx(rec.tx_id).await {
                Ok(e) => e,
                // A rollback of a transaction that already has one: nothing more to do.
                Err(e) if e.is_not_found() && rec.kind == "rollback" => return Ok(None),
                Err(e) => return Err(unavailable(e)),
            };
            if !same_call(&existing, &rec) {
                return Err(GameWalletError::Internal(format!(
                    "transaction id {} reused for another call",
                    rec.tx_id
                )));
            }
            return Ok(if existing.status == "ok" {
                balance_u64(existing.balance_after)
            } else {
                None
            });
        }
        self.hub.wake();
        let row = ops.outbox_entry(rec.tx_id).await.map_err(unavailable)?;
        Ok(self.hub.deliver(&row).await)
    }
}

#[async_trait]
impl GameWallet for SeamlessWallet {
    async fn balance(&self, user_id: i64, currency: &str) -> Result<u64, GameWalletError> {
        let (op, player_id) = self.context(user_id, currency).await?;
        let body = json!({"player_id": player_id, "currency": currency}).to_string();
        match self.hub.call(&op, "balance", &body).await {
            CallOutcome::Ok { balance } => Ok(balance),
            CallOutcome::Refused { code, message, .. } => Err(refusal(&code, &message, currency)),
            CallOutcome::Unavailable(r) => Err(GameWalletError::Unavailable(r)),
        }
    }

    async fn bet(&self, debit: &Debit) -> Result<u64, GameWalletError> {
        let (op, player_id) = self.context(debit.user_id, &debit.currency).await?;
        let now = self.hub.clock.now_ms();
        let rec = OperatorTx {
            tx_id: debit.tx_id,
            operator_id: op.id.clone(),
            user_id: debit.user_id,
            player_id,
            kind: "bet".into(),
            currency: debit.currency.clone(),
            amount: amount_i64(debit.amount)?,
            round_id: debit.round_id,
            game: debit.game.clone(),
            ref_tx_id: None,
            round_closed: false,
            status: "pending".into(),
            balance_after: None,
            error_code: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let ops = self.hub.store.operators();
        match ops.insert_operator_tx(&rec).await {
            Ok(()) => {}
            Err(e) if e.is_conflict() => {
                // A retry of the same id: answer what the first attempt got, or resend it.
                let existing = ops.operator_tx(rec.tx_id).await.map_err(unavailable)?;
                if !same_call(&existing, &rec) {
                    return Err(GameWalletError::Internal(format!(
                        "transaction id {} reused for another call",
                        rec.tx_id
                    )));
                }
                match existing.status.as_str() {
                    "ok" => {
                        return balance_u64(existing.balance_after).ok_or_else(|| {
                            GameWalletError::Internal("bet without a balance".into())
                        });
                    }
                    "refused" => {
                        let code = existing.error_code.unwrap_or_default();
                        return Err(refusal(&code, "", &debit.currency));
                    }
                    "unknown" => {
                        return Err(GameWalletError::Unavailable("rolled back".into()));
                    }
                    _ => {}
                }
            }
            Err(e) => return Err(unavailable(e)),
        }
        match self.hub.call(&op, "bet", &bet_payload(&rec)).await {
            CallOutcome::Ok { balance } => {
                let stored = i64::try_from(balance).ok();
                if let Err(e) = ops
                    .update_operator_tx(rec.tx_id, "ok", stored, None, self.hub.clock.now_ms())
                    .await
                {
                    // The debit stood but we could not record it: undo it rather than risk a
                    // round nobody can settle.
                    self.hub.fail_bet(&rec, "not recorded").await;
                    return Err(unavailable(e));
                }
                Ok(balance)
            }
            CallOutcome::Refused { code, message, .. } => {
                if let Err(e) = ops
                    .update_operator_tx(
                        rec.tx_id,
                        "refused",
                        None,
                        Some(&code),
                        self.hub.clock.now_ms(),
                    )
                    .await
                {
                    tracing::warn!(tx_id = rec.tx_id, error = %e, "bet refusal not recorded");
                }
                Err(refusal(&code, &message, &debit.currency))
            }
            CallOutcome::Unavailable(reason) => {
                self.hub.fail_bet(&rec, &reason).await;
                Err(GameWalletError::Unavailable(reason))
            }
        }
    }

    async fn win(&self, credit: &Credit) -> Result<Option<u64>, GameWalletError> {
        let (op, player_id) = self.context(credit.user_id, &credit.currency).await?;
        let bet = self
            .hub
            .store
            .operators()
            .operator_tx(credit.bet_tx_id)
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    GameWalletError::Internal(format!("win for unknown bet {}", credit.bet_tx_id))
                } else {
                    unavailable(e)
                }
            })?;
        if bet.kind != "bet" || bet.status != "ok" {
            return Err(GameWalletError::Internal(format!(
                "win for bet {} in state {}",
                bet.tx_id, bet.status
            )));
        }
        let now = self.hub.clock.now_ms();
        let rec = OperatorTx {
            tx_id: credit.tx_id,
            operator_id: op.id,
            user_id: credit.user_id,
            player_id,
            kind: "win".into(),
            currency: credit.currency.clone(),
            amount: amount_i64(credit.amount)?,
            round_id: credit.round_id,
            game: credit.game.clone(),
            ref_tx_id: Some(credit.bet_tx_id),
            round_closed: credit.round_closed,
            status: "queued".into(),
            balance_after: None,
            error_code: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let payload = win_payload(&rec);
        self.enqueue(rec, payload).await
    }

    async fn rollback(&self, rb: &Rollback) -> Result<(), GameWalletError> {
        let (op, player_id) = self.context(rb.user_id, &rb.currency).await?;
        let ops = self.hub.store.operators();
        // `bet` already queued the rollback of a bet it could not settle; one per transaction.
        if ops
            .rollback_of(rb.rolled_back_tx_id)
            .await
            .map_err(unavailable)?
            .is_some()
        {
            return Ok(());
        }
        let now = self.hub.clock.now_ms();
        let rec = OperatorTx {
            tx_id: rb.tx_id,
            operator_id: op.id,
            user_id: rb.user_id,
            player_id,
            kind: "rollback".into(),
            currency: rb.currency.clone(),
            amount: amount_i64(rb.amount)?,
            round_id: rb.round_id,
            game: rb.game.clone(),
            ref_tx_id: Some(rb.rolled_back_tx_id),
            round_closed: false,
            status: "queued".into(),
            balance_after: None,
            error_code: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let payload = rollback_payload(&rec);
        self.enqueue(rec, payload).await.map(|_| ())
    }
}

/// Routes each player to their wallet: players of a seamless operator to that operator's
/// [`SeamlessWallet`], everyone else (internal-mode operators' players included) to the internal
/// wallet given at construction.
pub struct OperatorRouter {
    hub: Arc<OperatorHub>,
    internal: Arc<dyn GameWallet>,
    seamless: Mutex<HashMap<String, Arc<SeamlessWallet>>>,
}

impl std::fmt::Debug for OperatorRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorRouter").finish_non_exhaustive()
    }
}

impl OperatorRouter {
    /// A router over the hub (`AppState::operators`) and the internal ledger wallet.
    pub fn new(hub: Arc<OperatorHub>, internal: Arc<dyn GameWallet>) -> Self {
        Self {
            hub,
            internal,
            seamless: Mutex::new(HashMap::new()),
        }
    }

    /// The seamless wallet of an operator (one per operator).
    pub fn seamless_wallet(&self, operator_id: &str) -> Arc<SeamlessWallet> {
        let mut map = self
            .seamless
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(operator_id.to_owned())
            .or_insert_with(|| Arc::new(SeamlessWallet::new(self.hub.clone(), operator_id)))
            .clone()
    }
}

#[async_trait]
impl WalletRouter for OperatorRouter {
    async fn wallet_for(&self, user_id: i64) -> Result<Arc<dyn GameWallet>, GameWalletError> {
        let Some(player) = self.hub.player_of(user_id).await.map_err(unavailable)? else {
            return Ok(self.internal.clone());
        };
        let op = self
            .hub
            .operator(&player.operator_id)
            .await
            .map_err(unavailable)?;
        if Mode::parse(&op.mode) == Some(Mode::Seamless) {
            Ok(self.seamless_wallet(&op.id))
        } else {
            Ok(self.internal.clone())
        }
    }
}
