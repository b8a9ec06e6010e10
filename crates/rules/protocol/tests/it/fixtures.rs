//! Small constructors shared by the tests: cards, plays, seats and ids from their wire text.

use protocol::{CardCode, RequestId, TableId, WirePlay, WireSeat};

pub fn card(code: &str) -> CardCode {
    code.parse().expect("fixture card codes are valid")
}

pub fn cards(codes: &[&str]) -> Vec<CardCode> {
    codes.iter().map(|c| card(c)).collect()
}

pub fn play(kind: &str, key: &str, codes: &[&str]) -> WirePlay {
    WirePlay::from_parts(kind, key, &cards(codes)).expect("fixture plays are well formed")
}

pub fn seat(i: u64) -> WireSeat {
    WireSeat::try_from(i).expect("fixture seats are 0..3")
}

pub fn table() -> TableId {
    TableId::new("t-7f3a").expect("fixture table id is valid")
}

pub fn rid(s: &str) -> Option<RequestId> {
    Some(RequestId::new(s).expect("fixture request id is valid"))
}

/// Every card code mentioned anywhere in a JSON value (strings that parse as cards).
pub fn cards_in(v: &serde_json::Value, out: &mut Vec<guandan::Card>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(c) = guandan::Card::parse(s) {
                out.push(c);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| cards_in(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| cards_in(x, out)),
        _ => {}
    }
}
