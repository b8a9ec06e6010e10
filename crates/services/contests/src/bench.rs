//! `playhouse bench compete`: event → visible rank latency and rank-query latency of one contest
//! with many players, through the real engine, database, bus and kv.
//!
//! Setup (not measured): a standing leaderboard (`sum` of stakes, ties broken by user id) with
//! `players` players, each with one recorded 100-unit round, loaded by the engine as a new leader
//! would (its board rebuilt from the recorded facts, every place written to the kv). Then, for
//! `seconds`, `rate` `bet_settled` events per second are appended to the bus for random players;
//! one in `SAMPLE` is followed until the kv shows the player's new score (event → visible rank),
//! and a reader measures rank queries (`zbefore` for a player's rank, `ztop` for the top 100)
//! meanwhile. Prints one JSON object.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use store::compete::{ContestRow, NewFact};
use tokio::time::Instant;

use crate::ContestsState;
use crate::engine::Engine;

/// One event in this many is followed to its visible rank.
pub const SAMPLE: u64 = 10;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Args {
    /// Players in the contest.
    pub players: u64,
    /// Events per second.
    pub rate: u64,
    /// Measured seconds.
    pub seconds: u64,
    /// Seed of the players' choice.
    pub seed: u64,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const CONTEST: &str = "bench-leaderboard";
const FIRST_USER: i64 = 10_000_000;

fn quantile(v: &mut [u64], q: usize) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    v[((v.len() - 1) * q) / 100] as f64 / 1_000.0
}

/// Runs the bench on `state` (a node that runs no engine of its own).
///
/// # Errors
/// A store, bus or kv failure.
pub async fn run(state: ContestsState, args: Args) -> Result<Value, String> {
    let c = state.store.compete();
    let yaml = format!(
        "id: {CONTEST}\nkind: leaderboard\nname: {{en: Bench, zh: 基准}}\ngames: [dice]\n\
         currency: PLAY\nscoring: {{mode: sum, of: bet}}\ntie_break: [user_id]\n"
    );
    compete::def::parse(&yaml).map_err(|e| e.to_string())?;
    let now = state.auth.clock.now_ms();
    // A database prepared by an earlier run is used as it is (its setup is the slow part).
    let prepared = c.contest(CONTEST).await.is_ok();
    if !prepared {
        c.insert_contest(&ContestRow {
            id: CONTEST.into(),
            version: 1,
            kind: "leaderboard".into(),
            source: yaml,
            status: "scheduled".into(),
            starts_at_ms: None,
            ends_at_ms: None,
            pool_index: c.next_pool_index().await.map_err(|e| e.to_string())?,
            seed: "bench".into(),
            commitment: compete::draw::commitment("bench"),
            result: None,
            created_at_ms: now,
            finalised_at_ms: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    }
    // Every player's first round, recorded as the engine would have.
    let setup = Instant::now();
    let mut rows = Vec::with_capacity(5_000);
    for i in 0..if prepared { 0 } else { args.players } {
        let user = FIRST_USER + i64::try_from(i).unwrap_or(0);
        let fact = compete::Fact {
            id: format!("seed:{i}"),
            user_id: user,
            at_ms: now,
            what: compete::What::Round {
                game: "dice".into(),
                currency: "PLAY".into(),
                bet: 100,
                win: 0,
                multiplier_units: 0,
                duration_ms: 10,
            },
        };
        rows.push(NewFact {
            contest_id: CONTEST.into(),
            fact_id: fact.id.clone(),
            user_id: user,
            at_ms: now,
            outcome: "counted".into(),
            body: serde_json::to_string(&fact).map_err(|e| e.to_string())?,
        });
        if rows.len() == 5_000 {
            c.record_facts(&rows).await.map_err(|e| e.to_string())?;
            rows.clear();
        }
    }
    c.record_facts(&rows).await.map_err(|e| e.to_string())?;
    let recorded_s = setup.elapsed().as_secs_f64();
    // The engine loads it as a new leader would.
    let mut engine = Engine::new(state.clone());
    let load = Instant::now();
    engine.step().await?;
    // Whatever an earlier run left in the stream is scored before the clock starts.
    engine.drain().await?;
    let load_s = load.elapsed().as_secs_f64();
    let engine_task = tokio::spawn(async move {
        loop {
            if let Err(e) = engine.step().await {
                tracing::warn!(error = %e, "bench engine step failed");
            }
        }
    });
    let set = crate::standings_set(CONTEST);
    // Every player's score now (an earlier run's events count too).
    let mut totals: HashMap<i64, i64> = HashMap::new();
    let mut offset = 0;
    loop {
        let page = c
            .standings(CONTEST, offset, 50_000)
            .await
            .map_err(|e| e.to_string())?;
        if page.is_empty() {
            break;
        }
        offset += i64::try_from(page.len()).unwrap_or(0);
        for (user, score, _, _) in page {
            totals.insert(user, score);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    // Rank queries meanwhile.
    let reader = {
        let (kv, set, stop) = (state.kv.clone(), set.clone(), stop.clone());
        let players = args.players;
        tokio::spawn(async move {
            let mut rank_us = Vec::new();
            let mut top_us = Vec::new();
            let mut r = Rng(7);
            while !stop.load(Ordering::Relaxed) {
                let user = FIRST_USER + i64::try_from(r.next() % players).unwrap_or(0);
                let member = compete::board::plain_member(user);
                let t = Instant::now();
                if let Ok(Some((_, score))) = kv.zrank(&set, &member).await {
                    let _ = kv.zbefore(&set, score, &member).await;
                }
                rank_us.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
                let t = Instant::now();
                let _ = kv.ztop(&set, 0, 100).await;
                top_us.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (rank_us, top_us)
        })
    };
    // The load, and the followed events.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, i64, Instant)>();
    let follower = {
        let (kv, set) = (state.kv.clone(), set.clone());
        tokio::spawn(async move {
            let mut pending: Vec<(i64, i64, Instant)> = Vec::new();
            let mut latencies = Vec::new();
            let mut open = true;
            while open || !pending.is_empty() {
                while let Ok(p) = rx.try_recv() {
                    pending.push(p);
                }
                if rx.is_closed() && rx.is_empty() {
                    open = false;
                }
                let mut still = Vec::with_capacity(pending.len());
                for (user, expected, sent) in pending.drain(..) {
                    let member = compete::board::plain_member(user);
                    match kv.zrank(&set, &member).await {
                        Ok(Some((_, score))) if score >= expected => {
                            latencies.push(
                                u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX),
                            );
                        }
                        _ if sent.elapsed() > Duration::from_secs(60) => latencies.push(60_000_000),
                        _ => still.push((user, expected, sent)),
                    }
                }
                pending = still;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            latencies
        })
    };
    let mut r = Rng(args.seed | 1);
    let started = Instant::now();
    let total = args.rate.saturating_mul(args.seconds);
    let mut sent = 0u64;
    let mut n = 0u64;
    while sent < total {
        // Catch up to the schedule in bursts of at most 1 ms worth.
        let due = (started.elapsed().as_secs_f64() * args.rate as f64) as u64;
        if sent >= due {
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        }
        while sent < due.min(total) {
            n += 1;
            let user = FIRST_USER + i64::try_from(r.next() % args.players).unwrap_or(0);
            let bet = 100 + i64::try_from(r.next() % 900).unwrap_or(0);
            let score = totals.entry(user).or_insert(100);
            *score += bet;
            let at = state.auth.clock.now_ms();
            let payload = json!({"bet_id": n.to_string(), "user_id": user.to_string(), "game": "dice",
                "currency": "PLAY", "amount": bet, "payout": 0, "multiplier_units": 0,
                "created_at_ms": at - 5, "settled_at_ms": at});
            let event = bus::Event {
                id: format!("bench:{}:{n}", args.seed),
                kind: "bet_settled".into(),
                payload: payload.to_string().into_bytes().into(),
            };
            let t = Instant::now();
            state.bus.append(&event).await.map_err(|e| e.to_string())?;
            if n.is_multiple_of(SAMPLE) {
                let _ = tx.send((user, *score, t));
            }
            sent += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    drop(tx);
    let mut latencies = follower.await.map_err(|e| e.to_string())?;
    stop.store(true, Ordering::Relaxed);
    let (mut rank_us, mut top_us) = reader.await.map_err(|e| e.to_string())?;
    engine_task.abort();
    Ok(json!({
        "bench": "compete",
        "store": state.store.backend_name(),
        "kv": state.kv.backend_name(),
        "bus": state.bus.backend_name(),
        "players": args.players,
        "prepared_before": prepared,
        "setup_record_s": (recorded_s * 10.0).round() / 10.0,
        "setup_load_s": (load_s * 10.0).round() / 10.0,
        "rate_target": args.rate,
        "events": sent,
        "rate_achieved": (sent as f64 / elapsed).round(),
        "followed": latencies.len(),
        "event_to_rank_ms": {
            "p50": quantile(&mut latencies, 50),
            "p95": quantile(&mut latencies, 95),
            "p99": quantile(&mut latencies, 99),
            "max": quantile(&mut latencies, 100),
        },
        "rank_query_ms": {"p50": quantile(&mut rank_us, 50), "p99": quantile(&mut rank_us, 99), "samples": rank_us.len()},
        "top100_ms": {"p50": quantile(&mut top_us, 50), "p99": quantile(&mut top_us, 99)},
    }))
}
