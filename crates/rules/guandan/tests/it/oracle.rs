//! Differential test against OpenGuanDan: under the `competition` profile, `moves` must produce exactly the
//! list OpenGuanDan's own generator produced for the same input (fixtures/openguandan, see its README).

use guandan::cli;
use guandan::combo::{Move, parse_move};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const FIXTURE: &str = include_str!("../fixtures/openguandan/moves.json");

/// A move as comparable text: type, key and the sorted card multiset.
fn canon(v: &Value) -> String {
    match parse_move(v).expect("fixture moves are well formed") {
        Move::Pass => "PASS".to_string(),
        Move::Play(p) => crate::text(&p),
    }
}

#[test]
fn competition_moves_equal_openguandan() {
    let f: Value = serde_json::from_str(FIXTURE).expect("fixture JSON");
    let cases = f["cases"].as_array().expect("cases");
    assert!(cases.len() >= 100, "fixture has its cases");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let input = json!({ "level": c["level"], "hand": c["hand"], "top": c["top"] });
        let out = cli::moves(&input.to_string(), "competition").expect("valid input");
        let ours: Vec<String> = out["moves"]
            .as_array()
            .expect("list")
            .iter()
            .map(canon)
            .collect();
        let theirs: Vec<String> = c["moves"]
            .as_array()
            .expect("list")
            .iter()
            .map(canon)
            .collect();
        let (a, b): (BTreeSet<_>, BTreeSet<_>) = (
            ours.iter().cloned().collect(),
            theirs.iter().cloned().collect(),
        );
        assert_eq!(a.len(), ours.len(), "case {i}: our list has no duplicates");
        if a != b {
            let extra: Vec<_> = a.difference(&b).take(5).collect();
            let missing: Vec<_> = b.difference(&a).take(5).collect();
            failures.push(format!(
                "case {i} level {}: extra {extra:?} missing {missing:?}",
                c["level"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
