//! The pure halves of `playhouse compete …`: definition checks and the economy simulator.

use serde_json::{Value, json};

use crate::def::{self, Definition};
use crate::simulate::{self, Forecast};
use crate::{Fact, event};

/// A definition, loaded, or the error naming its key.
///
/// # Errors
/// The definition's first problem, as `key: message`.
pub fn load(yaml: &str) -> Result<Definition, String> {
    def::parse(yaml).map_err(|e| e.to_string())
}

/// `compete check`: a summary of a valid definition.
///
/// # Errors
/// The definition's first problem.
pub fn check(yaml: &str) -> Result<Value, String> {
    let d = load(yaml)?;
    Ok(json!({
        "id": d.id,
        "kind": d.kind.as_str(),
        "name": {"en": d.name_en, "zh": d.name_zh},
        "starts_at_ms": d.window.map(|w| w.0),
        "ends_at_ms": d.window.map(|w| w.1),
        "schedule": d.recurring.as_ref().map(|r| json!({"cron": r.cron.source(), "duration_ms": r.duration_ms})),
        "stages": d.mission.as_ref().map(|m| m.stages.len()),
        "ok": true,
    }))
}

/// Reads historical events, one JSON object per line: either a stream event
/// `{"kind": "bet_settled", "id": "bet:…", "payload": {…}}` or a fact as this crate writes it.
///
/// # Errors
/// The first line that is neither, with its number.
pub fn read_events(text: &str) -> Result<Vec<Fact>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("events line {}: {e}", i + 1))?;
        if let (Some(kind), Some(id), Some(payload)) = (
            v.get("kind").and_then(Value::as_str),
            v.get("id").and_then(Value::as_str),
            v.get("payload"),
        ) {
            out.extend(event::facts(kind, id, payload.to_string().as_bytes()));
        } else {
            let f: Fact = serde_json::from_value(v).map_err(|e| {
                format!(
                    "events line {}: neither a stream event nor a fact: {e}",
                    i + 1
                )
            })?;
            out.push(f);
        }
    }
    Ok(out)
}

/// `compete simulate`: the forecast of a definition over `events` (historical facts) or, without
/// them, a synthetic population of `players` seeded by `seed`.
///
/// # Errors
/// A bad definition, or a mission (which has no standings to forecast).
pub fn simulate(
    yaml: &str,
    events: Option<Vec<Fact>>,
    players: u32,
    seed: u64,
) -> Result<Value, String> {
    let d = load(yaml)?;
    let facts = events.unwrap_or_else(|| simulate::synthetic(&d, players, seed));
    let f: Forecast = simulate::run(&d, facts)
        .ok_or_else(|| format!("{}: a mission has no standings to forecast", d.id))?;
    serde_json::to_value(&f).map_err(|e| e.to_string())
}
