//! Whole-match simulator figures, printed as JSON lines: greedy self-play throughput and the expert-vs-greedy
//! win rate over 1,000 matches (500 with expert on seats 0/2, 500 with expert on seats 1/3). The expert's
//! constants were tuned on seeds 2026/2027; the reported figure uses the held-out seeds 4001/4002.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark: a failed step stops it with its message"
)]

use guandan::cli;

#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall-clock time"
)]
fn timed(games: u32, seed: u64, bots: &str) -> serde_json::Value {
    let t = std::time::Instant::now();
    let stats = cli::selfplay(games, seed, bots, "official-2022").expect("valid arguments");
    stats.to_json(t.elapsed().as_secs_f64())
}

fn main() {
    println!("{}", timed(400, 1, "greedy,greedy,greedy,greedy"));
    let a = timed(500, 4001, "expert,greedy,expert,greedy");
    let b = timed(500, 4002, "greedy,expert,greedy,expert");
    println!("{a}");
    println!("{b}");
    let wins = a["team_wins"][0].as_u64().unwrap_or(0) + b["team_wins"][1].as_u64().unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({"expert_vs_greedy_matches": 1000, "expert_wins": wins, "expert_win_rate": wins as f64 / 1000.0})
    );
}
