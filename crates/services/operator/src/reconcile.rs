//! Reconciliation (`playhouse rgs reconcile`): our seamless-wallet round log (`operator_tx`)
//! against an operator's report, listing every transaction on which the two disagree.
//!
//! The report is the mock operator's `GET /report` shape: `{"transactions": {"<id>": {"kind",
//! "player_id", "currency", "amount", "status", "reference"?, "round_closed"}}}`. What must hold:
//! a bet we hold as standing (answered `ok`, never rolled back) is `applied` there with the same
//! player, currency and amount; a bet we refused, lost track of (`unknown`) or rolled back is not
//! `applied` there; every acknowledged win and rollback is there (wins `applied` with the same
//! amount and bet); nothing is there that we never sent; nothing of ours is still in flight.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use store::operator::OperatorTx;

/// Rows read per page of the call log.
const PAGE: u32 = 1_000;

fn diff(tx_id: &str, problem: &str, ours: Option<&OperatorTx>, theirs: Option<&Value>) -> Value {
    json!({
        "tx_id": tx_id,
        "problem": problem,
        "ours": ours.map(|t| json!({
            "kind": t.kind, "player_id": t.player_id, "currency": t.currency, "amount": t.amount,
            "status": t.status, "reference": t.ref_tx_id.map(|r| r.to_string()),
            "round_closed": t.round_closed,
        })),
        "theirs": theirs.cloned(),
    })
}

/// Every difference between our log `ours` (one operator) and the operator's `report`.
pub fn differences(ours: &[OperatorTx], report: &Value) -> Vec<Value> {
    let empty = serde_json::Map::new();
    let theirs = report
        .get("transactions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let rolled_back: BTreeSet<i64> = ours
        .iter()
        .filter(|t| t.kind == "rollback")
        .filter_map(|t| t.ref_tx_id)
        .collect();
    let mut out = Vec::new();
    let mut known = BTreeSet::new();
    for t in ours {
        let id = t.tx_id.to_string();
        known.insert(id.clone());
        let their = theirs.get(&id);
        let status = their.and_then(|v| v["status"].as_str()).unwrap_or("");
        let same_fields = their.is_some_and(|v| {
            v["kind"] == t.kind.as_str()
                && v["player_id"] == t.player_id.as_str()
                && v["currency"] == t.currency.as_str()
                && v["amount"].as_i64() == Some(t.amount)
        });
        match t.kind.as_str() {
            "bet" => {
                if t.status == "pending" {
                    out.push(diff(&id, "bet_unresolved", Some(t), their));
                    continue;
                }
                let should_stand = t.status == "ok" && !rolled_back.contains(&t.tx_id);
                if should_stand {
                    if status != "applied" {
                        out.push(diff(&id, "bet_missing_at_operator", Some(t), their));
                    } else if !same_fields {
                        out.push(diff(&id, "bet_mismatch", Some(t), their));
                    }
                } else if status == "applied" {
                    out.push(diff(&id, "bet_stands_at_operator", Some(t), their));
                }
            }
            "win" | "rollback" => {
                if t.status != "ok" {
                    out.push(diff(&id, "undelivered", Some(t), their));
                    continue;
                }
                let reference = t.ref_tx_id.map(|r| r.to_string());
                let their_ref = their.and_then(|v| v["reference"].as_str().map(str::to_owned));
                let acked = if t.kind == "win" {
                    status == "applied"
                } else {
                    status == "applied" || status == "noop"
                };
                if !acked {
                    out.push(diff(&id, "missing_at_operator", Some(t), their));
                } else if !same_fields || their_ref != reference {
                    out.push(diff(&id, "mismatch", Some(t), their));
                }
            }
            _ => out.push(diff(&id, "unknown_kind", Some(t), their)),
        }
    }
    for (id, v) in theirs {
        if known.contains(id) {
            continue;
        }
        // A tombstone is the operator's memory of a rollback that came first; the rollback
        // itself is checked above.
        if v["status"] == "tombstone" {
            continue;
        }
        out.push(diff(id, "unknown_to_us", None, Some(v)));
    }
    out
}

/// Reads an operator's whole call log.
pub async fn load_log(
    store: &dyn store::Store,
    operator_id: &str,
) -> Result<Vec<OperatorTx>, store::StoreError> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .operators()
            .operator_txs(operator_id, after, PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.tx_id;
        let full = page.len() == usize::try_from(PAGE).unwrap_or(usize::MAX);
        all.extend(page);
        if !full {
            break;
        }
    }
    Ok(all)
}

/// The reconciliation result: `{"ok", "operator_id", "transactions": {ours, theirs},
/// "summary": {kind → count}, "differences": [...]}`.
pub async fn reconcile(
    store: &dyn store::Store,
    operator_id: &str,
    report: &Value,
) -> Result<Value, store::StoreError> {
    let ours = load_log(store, operator_id).await?;
    let found = differences(&ours, report);
    let mut summary: BTreeMap<String, u64> = BTreeMap::new();
    for d in &found {
        *summary
            .entry(d["problem"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let theirs = report
        .get("transactions")
        .and_then(Value::as_object)
        .map_or(0, serde_json::Map::len);
    Ok(json!({
        "ok": found.is_empty(),
        "operator_id": operator_id,
        "transactions": {"ours": ours.len(), "theirs": theirs},
        "summary": summary,
        "differences": found,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(id: i64, kind: &str, status: &str, amount: i64, reference: Option<i64>) -> OperatorTx {
        OperatorTx {
            tx_id: id,
            operator_id: "op".into(),
            user_id: 7,
            player_id: "p".into(),
            kind: kind.into(),
            currency: "EUR".into(),
            amount,
            round_id: 1,
            game: "dice".into(),
            ref_tx_id: reference,
            round_closed: kind == "win",
            status: status.into(),
            balance_after: None,
            error_code: None,
            created_at_ms: 0,
            updated_at_ms: 0,
        }
    }

    fn theirs(kind: &str, status: &str, amount: i64, reference: Option<&str>) -> Value {
        json!({"kind": kind, "player_id": "p", "currency": "EUR", "amount": amount,
            "status": status, "reference": reference, "round_closed": kind == "win"})
    }

    fn problems(ours: &[OperatorTx], report: &Value) -> Vec<String> {
        differences(ours, report)
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d["tx_id"].as_str().unwrap_or(""),
                    d["problem"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn agreement_and_each_kind_of_difference() {
        let ours = vec![
            tx(1, "bet", "ok", 100, None),
            tx(2, "win", "ok", 250, Some(1)),
            tx(3, "bet", "unknown", 50, None),
            tx(4, "rollback", "ok", 50, Some(3)),
            tx(5, "bet", "refused", 10, None),
        ];
        let agree = json!({"transactions": {
            "1": theirs("bet", "applied", 100, None),
            "2": theirs("win", "applied", 250, Some("1")),
            "3": theirs("bet", "rolled_back", 50, None),
            "4": theirs("rollback", "applied", 50, Some("3")),
            "5": theirs("bet", "refused", 10, None),
        }});
        assert!(
            problems(&ours, &agree).is_empty(),
            "{:?}",
            problems(&ours, &agree)
        );
        // A rollback that arrived first: tombstone + noop is agreement too.
        let tomb = json!({"transactions": {
            "1": theirs("bet", "applied", 100, None),
            "2": theirs("win", "applied", 250, Some("1")),
            "3": theirs("bet", "tombstone", 50, None),
            "4": theirs("rollback", "noop", 50, Some("3")),
        }});
        assert!(problems(&ours, &tomb).is_empty());
        let bad = json!({"transactions": {
            "1": theirs("bet", "applied", 101, None),
            "3": theirs("bet", "applied", 50, None),
            "4": theirs("rollback", "applied", 50, Some("3")),
            "5": theirs("bet", "applied", 10, None),
            "9": theirs("bet", "applied", 1, None),
        }});
        assert_eq!(
            problems(&ours, &bad),
            [
                "1:bet_mismatch",
                "2:missing_at_operator",
                "3:bet_stands_at_operator",
                "5:bet_stands_at_operator",
                "9:unknown_to_us"
            ]
        );
        let queued = vec![
            tx(1, "bet", "ok", 100, None),
            tx(2, "win", "queued", 250, Some(1)),
        ];
        assert_eq!(problems(&queued, &agree)[0], "2:undelivered");
    }
}
