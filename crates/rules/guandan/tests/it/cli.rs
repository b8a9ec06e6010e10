//! The command-line functions: exact JSON shapes, errors naming the bad argument, determinism.

use guandan::cli;
use serde_json::{Value, json};

#[test]
fn moves_lists_plays_and_pass() {
    let out = cli::moves(
        r#"{"level":"5","hand":["S3","D3"],"top":null}"#,
        "official-2022",
    )
    .expect("ok");
    assert_eq!(
        out,
        json!({"moves": [["Single","3",["S3"]], ["Single","3",["D3"]], ["Pair","3",["S3","D3"]]]})
    );
    let out = cli::moves(
        r#"{"level":"5","hand":["S3","D3","HR"],"top":["Single","A",["SA"]]}"#,
        "official-2022",
    )
    .expect("ok");
    assert_eq!(
        out,
        json!({"moves": [["PASS","PASS","PASS"], ["Single","R",["HR"]]]})
    );
}

#[test]
fn moves_errors_name_the_argument() {
    let cases = [
        (
            r#"{"level":"5","hand":["S3","X9"],"top":null}"#,
            "official-2022",
            "hand",
        ),
        (
            r#"{"level":"1","hand":["S3"],"top":null}"#,
            "official-2022",
            "level",
        ),
        (
            r#"{"level":"5","hand":["S3","S3","S3"],"top":null}"#,
            "official-2022",
            "hand",
        ),
        (
            r#"{"level":"5","hand":["S3"],"top":["Pair","4",["S3","S5"]]}"#,
            "official-2022",
            "top",
        ),
        (
            r#"{"level":"5","hand":["S3"],"top":null}"#,
            "casual",
            "--rules",
        ),
        ("not json", "official-2022", "stdin"),
    ];
    for (input, profile, field) in cases {
        let e = cli::moves(input, profile).expect_err(input);
        assert!(e.to_string().starts_with(field), "{input}: {e}");
        assert!(!e.to_string().contains('\n'));
    }
}

fn act(stage: &str, hand: &[&str], greater: Value, greater_pos: i64, list: Value) -> String {
    json!({
        "type": "act", "stage": stage, "handCards": hand, "curRank": "2", "selfRank": "2", "oppoRank": "2",
        "curPos": greater_pos, "myPos": 0, "greaterPos": greater_pos, "greaterAction": greater,
        "publicInfo": [{"rest": hand.len()}, {"rest": 20}, {"rest": 20}, {"rest": 20}],
        "actionList": list, "indexRange": 0
    })
    .to_string()
}

#[test]
fn decide_returns_an_index_into_the_action_list() {
    let list = json!([
        ["PASS", "PASS", "PASS"],
        ["Single", "A", ["SA"]],
        ["Single", "4", ["S4"]]
    ]);
    let msg = act(
        "play",
        &["S4", "SA", "S9", "S9"],
        json!(["Single", "3", ["S3"]]),
        1,
        list,
    );
    for bot in ["random", "greedy", "expert"] {
        let out = cli::decide(&msg, bot).expect("ok");
        let i = out["actIndex"].as_u64().expect("index");
        assert!(i < 3, "{bot}");
        // Deterministic.
        assert_eq!(cli::decide(&msg, bot).expect("ok"), out);
    }
    // Greedy beats a low single with the lowest card.
    assert_eq!(
        cli::decide(&msg, "greedy").expect("ok"),
        json!({"actIndex": 2})
    );
    let tribute = act(
        "tribute",
        &["SA", "DA", "S3"],
        Value::Null,
        -1,
        json!([
            ["tribute", "tribute", ["SA"]],
            ["tribute", "tribute", ["DA"]]
        ]),
    );
    assert!(
        cli::decide(&tribute, "expert").expect("ok")["actIndex"]
            .as_u64()
            .expect("index")
            < 2
    );
    let back = act(
        "back",
        &["S3", "S9", "SK"],
        Value::Null,
        -1,
        json!([["back", "back", ["S3"]], ["back", "back", ["S9"]]]),
    );
    assert!(
        cli::decide(&back, "expert").expect("ok")["actIndex"]
            .as_u64()
            .expect("index")
            < 2
    );
    let notify = back.replace("\"act\"", "\"notify\"");
    assert!(
        cli::decide(&notify, "expert")
            .expect_err("not an act")
            .to_string()
            .starts_with("type")
    );
    let e = cli::decide(&back, "wizard").expect_err("unknown bot");
    assert!(e.to_string().starts_with("--bot"));
    let e = cli::decide(
        r#"{"handCards":["S3"],"curRank":"2","actionList":[]}"#,
        "greedy",
    )
    .expect_err("empty");
    assert!(e.to_string().starts_with("actionList"));
}

#[test]
fn selfplay_reports_the_contract_fields() {
    let stats = cli::selfplay(3, 9, "greedy,random,greedy,random", "official-2022").expect("ok");
    let j = stats.to_json(1.0);
    for k in [
        "games",
        "hands",
        "team_wins",
        "avg_hands_per_game",
        "decisions_per_sec",
        "hands_per_sec",
    ] {
        assert!(j.get(k).is_some(), "{k}");
    }
    assert_eq!(j["games"], 3);
    let wins = j["team_wins"].as_array().expect("list");
    assert_eq!(wins.len(), 2);
    assert_eq!(stats.team_wins[0] + stats.team_wins[1] + stats.draws, 3);
    // Same seed, same outcome.
    assert_eq!(
        cli::selfplay(3, 9, "greedy,random,greedy,random", "official-2022").expect("ok"),
        stats
    );
    assert!(
        cli::selfplay(1, 1, "greedy,greedy,greedy", "official-2022")
            .expect_err("3 bots")
            .to_string()
            .starts_with("--bots")
    );
    assert!(
        cli::selfplay(1, 1, "greedy", "nope")
            .expect_err("profile")
            .to_string()
            .starts_with("--rules")
    );
}

#[test]
fn replay_prints_the_hash_and_rejects_tampering() {
    let rec =
        cli::record_game(11, &guandan::Rules::competition(), "expert,greedy").expect("record");
    let out = cli::replay(&rec.to_string()).expect("replays");
    assert_eq!(out["state_hash"], rec["state_hash"]);
    // Rules may also be given by profile name.
    let mut by_name = rec.clone();
    by_name["rules"] = json!("competition");
    assert_eq!(
        cli::replay(&by_name.to_string()).expect("replays")["state_hash"],
        rec["state_hash"]
    );
    // Tamper: make the 5th action a pass by a seat that is not to act (or an illegal play).
    let mut bad = rec.clone();
    let actions = bad["actions"].as_array_mut().expect("list");
    let seat = actions[4]["seat"].as_u64().expect("seat");
    actions[4] = json!({"type": "pass", "seat": (seat + 1) % 4});
    let e = cli::replay(&bad.to_string()).expect_err("tampered");
    assert!(e.to_string().starts_with("action 4 is illegal"), "{e}");
    let e = cli::replay(r#"{"seed": "zz", "actions": []}"#).expect_err("bad seed");
    assert!(e.to_string().starts_with("seed"));
}
