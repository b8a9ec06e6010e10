//! The tool subcommands' command-line contracts, run through the real `playhouse` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn playhouse(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_playhouse"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn json_ok(args: &[&str], stdin: Option<&str>) -> Value {
    let out = playhouse(args, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn fails_naming(args: &[&str], stdin: Option<&str>, needle: &str) {
    let out = playhouse(args, stdin);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} should name {needle}"
    );
}

fn game(path: &str) -> String {
    format!("{}/../rules/slots/{path}", env!("CARGO_MANIFEST_DIR"))
}

mod slots {
    use super::*;

    #[test]
    fn rtp_of_a_reproduced_real_game() {
        let v = json_ok(
            &[
                "slots",
                "rtp",
                &game("tests/fixtures/dolphins_pearl_95_133189.yaml"),
            ],
            None,
        );
        let rtp = v["rtp"].as_f64().expect("rtp");
        assert!((rtp - 0.95133189).abs() < 1e-6, "{rtp}");
        for key in ["base_rtp", "free_spins_rtp", "hit_frequency", "volatility"] {
            assert!(v[key].is_number(), "{key} in {v}");
        }
    }

    #[test]
    fn simulate_is_deterministic_and_check_validates() {
        let g = game("games/lantern_festival.yaml");
        let a = json_ok(
            &["slots", "simulate", &g, "--spins", "20000", "--seed", "7"],
            None,
        );
        let b = json_ok(
            &["slots", "simulate", &g, "--spins", "20000", "--seed", "7"],
            None,
        );
        for key in ["spins", "rtp", "ci95", "hit_frequency", "max_win"] {
            assert_eq!(a[key], b[key], "{key}");
        }
        assert_eq!(a["spins"], 20000);
        assert!(a["spins_per_sec"].as_f64().is_some_and(|s| s > 0.0));
        let two = json_ok(
            &[
                "slots",
                "simulate",
                &g,
                "--spins",
                "20001",
                "--seed",
                "7",
                "--threads",
                "2",
            ],
            None,
        );
        assert_eq!(two["spins"], 20001);

        let v = json_ok(&["slots", "check", &g], None);
        assert_eq!(v["ok"], true);
    }

    #[test]
    fn bad_definitions_and_arguments_are_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, "name: x\nreels: 5\nrows: 3\nsymbols: []\n").expect("write");
        let out = playhouse(&["slots", "check", bad.to_str().expect("utf8")], None);
        assert!(!out.status.success());
        assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
        fails_naming(&["slots", "rtp", "/no/such/file.yaml"], None, "GAME");
        fails_naming(
            &[
                "slots",
                "simulate",
                &game("games/lantern_festival.yaml"),
                "--spins",
                "x",
            ],
            None,
            "--spins",
        );
        fails_naming(
            &[
                "slots",
                "simulate",
                &game("games/lantern_festival.yaml"),
                "--spins",
                "10",
                "--threads",
                "0",
            ],
            None,
            "--threads",
        );
    }
}

mod guandan {
    use super::*;
    use serde_json::json;

    #[test]
    fn moves_contract() {
        let v = json_ok(
            &["guandan", "moves"],
            Some(r#"{"level":"5","hand":["S3","D3"],"top":null}"#),
        );
        assert_eq!(
            v,
            json!({"moves": [["Single","3",["S3"]], ["Single","3",["D3"]], ["Pair","3",["S3","D3"]]]})
        );
        let v = json_ok(
            &["guandan", "moves", "--rules", "competition"],
            Some(r#"{"level":"5","hand":["S3","D3","HR"],"top":["Single","A",["SA"]]}"#),
        );
        assert_eq!(
            v,
            json!({"moves": [["PASS","PASS","PASS"], ["Single","R",["HR"]]]})
        );
        fails_naming(
            &["guandan", "moves", "--rules", "casual"],
            Some(r#"{"level":"5","hand":[],"top":null}"#),
            "--rules",
        );
        fails_naming(
            &["guandan", "moves"],
            Some(r#"{"level":"5","hand":["X9"],"top":null}"#),
            "hand",
        );
        fails_naming(&["guandan", "moves"], Some("not json"), "stdin");
    }

    #[test]
    fn decide_contract() {
        let msg = json!({
            "type": "act", "stage": "play", "handCards": ["S3", "S4", "HR"], "curRank": "2", "selfRank": "2",
            "oppoRank": "2", "myPos": 0, "curPos": 3, "curAction": ["Single", "9", ["S9"]], "greaterPos": 3,
            "greaterAction": ["Single", "9", ["S9"]], "publicInfo": [{"rest": 3}, {"rest": 27}, {"rest": 27}, {"rest": 26}],
            "actionList": [["PASS","PASS","PASS"], ["Single","R",["HR"]]], "indexRange": 1
        });
        let v = json_ok(
            &["guandan", "decide", "--bot", "expert"],
            Some(&msg.to_string()),
        );
        let i = v["actIndex"].as_u64().expect("actIndex");
        assert!(i <= 1, "{v}");
        fails_naming(
            &["guandan", "decide", "--bot", "nobody"],
            Some(&msg.to_string()),
            "--bot",
        );
    }

    #[test]
    fn selfplay_and_replay_contract() {
        let v = json_ok(
            &[
                "guandan",
                "selfplay",
                "--games",
                "2",
                "--seed",
                "9",
                "--bots",
                "expert,greedy,expert,greedy",
            ],
            None,
        );
        assert_eq!(v["games"], 2);
        let wins = v["team_wins"].as_array().expect("team_wins");
        assert_eq!(wins.len(), 2);
        assert!(v["hands"].as_u64().is_some_and(|h| h >= 2));
        for key in ["avg_hands_per_game", "decisions_per_sec", "hands_per_sec"] {
            assert!(v[key].is_number(), "{key}: {v}");
        }
        let again = json_ok(
            &[
                "guandan",
                "selfplay",
                "--games",
                "2",
                "--seed",
                "9",
                "--bots",
                "expert,greedy,expert,greedy",
            ],
            None,
        );
        assert_eq!(
            (v["hands"].clone(), v["team_wins"].clone()),
            (again["hands"].clone(), again["team_wins"].clone())
        );

        let rules = ::guandan::rules::Rules::default();
        let record = ::guandan::cli::record_game(5, &rules, "greedy").expect("record");
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("match.json");
        std::fs::write(&file, record.to_string()).expect("write");
        let out = json_ok(&["guandan", "replay", file.to_str().expect("utf8")], None);
        assert_eq!(out["state_hash"], record["state_hash"]);

        let mut bad = record.clone();
        let actions = bad["actions"].as_array_mut().expect("actions");
        let seat = actions[4]["seat"].as_u64().expect("seat");
        actions[4] = json!({"type": "pass", "seat": (seat + 1) % 4});
        std::fs::write(&file, bad.to_string()).expect("write");
        fails_naming(
            &["guandan", "replay", file.to_str().expect("utf8")],
            None,
            "action 4",
        );
    }
}

mod fair {
    use super::*;
    use serde_json::json;

    const SEED: &str = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";

    #[test]
    fn outcome_matches_a_published_verifier_vector() {
        // KyranRana/stake-provably-fair-api (MIT) src/test/Dice.test.ts, also in casino's fixtures.
        let v = json_ok(
            &[
                "fair",
                "outcome",
                "--game",
                "dice",
                "--server-seed",
                SEED,
                "--client-seed",
                "bb62964774",
                "--nonce",
                "1",
            ],
            None,
        );
        assert_eq!(v, json!({"roll": 77.18}));
        let v = json_ok(
            &[
                "fair",
                "outcome",
                "--game",
                "mines",
                "--server-seed",
                SEED,
                "--client-seed",
                "bb62964774",
                "--nonce",
                "1",
                "--params",
                r#"{"mines": 3}"#,
            ],
            None,
        );
        let mines = v["mines"].as_array().expect("mines");
        assert_eq!(mines.len(), 3);
        assert!(mines.iter().all(|m| m.as_u64().is_some_and(|m| m < 25)));
        let v = json_ok(
            &[
                "fair",
                "outcome",
                "--game",
                "cards",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "0",
                "--params",
                r#"{"count": 10}"#,
            ],
            None,
        );
        assert_eq!(v["cards"].as_array().map(Vec::len), Some(10));
    }

    #[test]
    fn stream_writes_exactly_the_hmac_bytes() {
        let out = playhouse(
            &[
                "fair",
                "stream",
                "--server-seed",
                SEED,
                "--client-seed",
                "bb62964774",
                "--nonce",
                "1",
                "--bytes",
                "100",
            ],
            None,
        );
        assert!(out.status.success());
        assert_eq!(out.stdout.len(), 100);
        // Round 0 is HMAC_SHA256(key = seed ASCII, "bb62964774:1:0"): the fixture's published first bytes.
        assert_eq!(
            &out.stdout[..12],
            &[197, 144, 209, 113, 227, 155, 112, 64, 78, 225, 255, 242]
        );
    }

    #[test]
    fn endless_stream_ends_cleanly_when_the_reader_closes() {
        use std::io::Read;
        let mut child = Command::new(env!("CARGO_BIN_EXE_playhouse"))
            .args([
                "fair",
                "stream",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "0",
                "--bytes",
                "0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut buf = vec![0u8; 300_000];
        stdout.read_exact(&mut buf).expect("read");
        drop(stdout);
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn crash_and_rtp() {
        let v = json_ok(
            &[
                "fair",
                "crash",
                "--game-hash",
                SEED,
                "--salt",
                "0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c",
            ],
            None,
        );
        assert!(v["crash_point"].as_f64().is_some_and(|c| c >= 1.0));
        assert!(v["raw"].as_f64().is_some_and(|r| r >= 1.0));
        let v = json_ok(&["fair", "rtp", "--game", "dice"], None);
        assert!(
            v["rtp"].as_f64().is_some_and(|r| (r - 0.99).abs() < 0.001),
            "{v}"
        );
    }

    #[test]
    fn bad_arguments_are_named() {
        fails_naming(
            &[
                "fair",
                "outcome",
                "--game",
                "dice",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "-1",
            ],
            None,
            "--nonce",
        );
        fails_naming(
            &[
                "fair",
                "outcome",
                "--game",
                "nope",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "1",
            ],
            None,
            "--game",
        );
        fails_naming(
            &[
                "fair",
                "outcome",
                "--game",
                "mines",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "1",
                "--params",
                "{",
            ],
            None,
            "--params",
        );
        fails_naming(
            &["fair", "crash", "--game-hash", "xyz", "--salt", "s"],
            None,
            "--game-hash",
        );
        fails_naming(
            &[
                "fair",
                "stream",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "1",
            ],
            None,
            "--bytes",
        );
    }
}
