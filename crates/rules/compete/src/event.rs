//! Facts from the platform's event stream (`events.<kind>` bodies, see `docs/cluster.md`) and
//! from operators' external events.

use serde_json::Value;

use crate::{Fact, What};

fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The facts in one stream event: one for a settled bet, a finished round or a rating change,
/// one per seated player for a finished Guandan match (bots have none), none for other kinds or
/// a body that cannot be read.
#[must_use]
pub fn facts(kind: &str, id: &str, payload: &[u8]) -> Vec<Fact> {
    let Ok(v) = serde_json::from_slice::<Value>(payload) else {
        return Vec::new();
    };
    match kind {
        "bet_settled" | "round_finished" => round(id, &v).into_iter().collect(),
        "match_finished" => match_facts(id, &v),
        "rating_changed" => rating(id, &v).into_iter().collect(),
        "external" => external(id, &v).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn round(id: &str, v: &Value) -> Option<Fact> {
    let settled = int(v, "settled_at_ms")?;
    let created = int(v, "created_at_ms").unwrap_or(settled);
    Some(Fact {
        id: id.to_owned(),
        user_id: int(v, "user_id")?,
        at_ms: settled,
        what: What::Round {
            game: text(v, "game")?,
            currency: text(v, "currency")?,
            bet: int(v, "amount")?,
            win: int(v, "payout")?,
            multiplier_units: int(v, "multiplier_units").unwrap_or(0),
            duration_ms: settled.saturating_sub(created),
        },
    })
}

fn match_facts(id: &str, v: &Value) -> Vec<Fact> {
    let (Some(match_id), Some(ended), Some(seats)) = (
        text(v, "match_id"),
        int(v, "ended_at_ms"),
        v.get("seats").and_then(Value::as_array),
    ) else {
        return Vec::new();
    };
    let ranked = v.get("ranked").and_then(Value::as_bool).unwrap_or(false);
    let winning = int(v, "winning_team");
    seats
        .iter()
        .filter_map(|s| {
            let user = int(s, "user_id")?;
            let team = int(s, "team")?;
            Some(Fact {
                id: format!("{id}:{user}"),
                user_id: user,
                at_ms: ended,
                what: What::Match {
                    match_id: match_id.clone(),
                    ranked,
                    won: winning == Some(team),
                },
            })
        })
        .collect()
}

/// An operator's event (`POST /v1/events`): `user_id`, `name`, `value`, `occurred_at_ms`.
fn external(id: &str, v: &Value) -> Option<Fact> {
    Some(Fact {
        id: id.to_owned(),
        user_id: int(v, "user_id")?,
        at_ms: int(v, "occurred_at_ms")?,
        what: What::External {
            name: text(v, "name")?,
            value: int(v, "value")?,
        },
    })
}

fn rating(id: &str, v: &Value) -> Option<Fact> {
    Some(Fact {
        id: id.to_owned(),
        user_id: int(v, "user_id")?,
        at_ms: int(v, "ended_at_ms")?,
        what: What::Rating {
            match_id: text(v, "match_id")?,
            delta: int(v, "display_after")?.saturating_sub(int(v, "display_before")?),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stream_bodies_become_facts() {
        let bet = br#"{"bet_id":"9","user_id":"42","game":"dice","currency":"PLAY","amount":100,"payout":198,"multiplier_units":198000000,"created_at_ms":1000,"settled_at_ms":1004}"#;
        let f = facts("bet_settled", "bet:9", bet);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].user_id, 42);
        assert_eq!(
            f[0].what,
            What::Round {
                game: "dice".into(),
                currency: "PLAY".into(),
                bet: 100,
                win: 198,
                multiplier_units: 198_000_000,
                duration_ms: 4
            }
        );
        let m = br#"{"match_id":"5","kind":"casual","ranked":true,"winning_team":1,"ended_at_ms":77,"seats":[{"seat":0,"team":0,"user_id":"1"},{"seat":1,"team":1,"user_id":"2"},{"seat":2,"team":0,"user_id":null},{"seat":3,"team":1,"user_id":"4"}]}"#;
        let f = facts("match_finished", "match:5", m);
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].id, "match:5:2");
        assert_eq!(
            f[1].what,
            What::Match {
                match_id: "5".into(),
                ranked: true,
                won: true
            }
        );
        assert_eq!(
            f[0].what,
            What::Match {
                match_id: "5".into(),
                ranked: true,
                won: false
            }
        );
        let r = br#"{"match_id":"5","user_id":"2","display_before":1000,"display_after":1012,"ended_at_ms":77}"#;
        assert_eq!(
            facts("rating_changed", "rating:5:2", r)[0].what,
            What::Rating {
                match_id: "5".into(),
                delta: 12
            }
        );
        let x = br#"{"operator_id":"op","event_id":"e1","user_id":"9","name":"deposit","value":500,"occurred_at_ms":5}"#;
        assert_eq!(
            facts("external", "ext:op:e1", x)[0].what,
            What::External {
                name: "deposit".into(),
                value: 500
            }
        );
        assert!(facts("transfer", "t", b"{}").is_empty());
        assert!(facts("bet_settled", "x", b"not json").is_empty());
    }
}
