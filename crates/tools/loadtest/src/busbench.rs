//! `playhouse loadtest bus`: the cluster's messaging on a real NATS, as two nodes see it. Two
//! connections (two "nodes") under a namespace of their own: node A publishes fan-out messages at a
//! steady rate and node B receives them (publish → deliver latency); then A appends durable events
//! with many appends in flight (appends per second, each acknowledged by JetStream) and a durable
//! consumer on B reads and acknowledges them all (deliveries per second). The namespace's streams
//! are deleted at the end.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use crate::Latencies;
use api::clock;

/// `loadtest bus` flags.
#[derive(Debug, clap::Args)]
pub struct BusArgs {
    /// NATS with JetStream.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub nats_url: String,
    /// Fan-out messages sent, at `--rate` per second.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u32,
    /// Fan-out messages per second.
    #[arg(long, default_value_t = 2_000)]
    pub rate: u32,
    /// Durable events appended.
    #[arg(long, default_value_t = 20_000)]
    pub events: u32,
    /// Appends in flight at once.
    #[arg(long, default_value_t = 64)]
    pub in_flight: usize,
}

fn bus_error(e: impl std::fmt::Display) -> String {
    format!("bus: {e}")
}

/// Runs the benchmark and returns its JSON report.
pub async fn run(a: &BusArgs) -> Result<Value, String> {
    if a.messages == 0 || a.rate == 0 || a.events == 0 || a.in_flight == 0 {
        return Err("--messages, --rate, --events and --in-flight must be at least 1".into());
    }
    let ns = format!("bench{}", api::token::random_hex(6));
    let node_a = Arc::new(
        bus::NatsBus::connect(&a.nats_url, &ns)
            .await
            .map_err(bus_error)?,
    );
    let node_b = bus::NatsBus::connect(&a.nats_url, &ns)
        .await
        .map_err(bus_error)?;
    let report = measure(a, node_a.clone(), &node_b).await;
    let dropped = node_a.drop_namespace().await.map_err(bus_error);
    let report = report?;
    dropped?;
    Ok(report)
}

async fn measure(
    a: &BusArgs,
    node_a: Arc<bus::NatsBus>,
    node_b: &bus::NatsBus,
) -> Result<Value, String> {
    use bus::Bus;
    // Fan-out: each message carries its send time (one process, one monotonic clock).
    let mut sub = node_b.subscribe("bench.fanout").await.map_err(bus_error)?;
    let origin = clock::instant();
    let n = a.messages;
    let gap = Duration::from_secs_f64(1.0 / f64::from(a.rate));
    let sender = {
        let node_a = node_a.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for _ in 0..n {
                tick.tick().await;
                let sent = u64::try_from(clock::instant().duration_since(origin).as_micros())
                    .unwrap_or(u64::MAX);
                if node_a
                    .publish("bench.fanout", sent.to_le_bytes().to_vec().into())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        })
    };
    let mut lat = Latencies::new();
    let mut received = 0u32;
    while received < n {
        let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(5), sub.next()).await else {
            break;
        };
        let mut b = [0u8; 8];
        if m.payload.len() == 8 {
            b.copy_from_slice(&m.payload);
        }
        let now = u64::try_from(clock::instant().duration_since(origin).as_micros()).unwrap_or(0);
        lat.record(Duration::from_micros(
            now.saturating_sub(u64::from_le_bytes(b)),
        ));
        received += 1;
    }
    let _ = sender.await;

    // Durable events: appends with `in_flight` outstanding, each acknowledged by the stream.
    let started = clock::instant();
    let appended: Vec<Result<bus::Appended, bus::BusError>> = futures::stream::iter(0..a.events)
        .map(|i| {
            let node_a = node_a.clone();
            async move {
                node_a
                    .append(&bus::Event {
                        id: format!("bench:{i}"),
                        kind: "bench".into(),
                        payload: format!("{{\"i\":{i}}}").into_bytes().into(),
                    })
                    .await
            }
        })
        .buffer_unordered(a.in_flight)
        .collect()
        .await;
    let append_secs = started.elapsed().as_secs_f64().max(1e-9);
    let append_errors = appended.iter().filter(|r| r.is_err()).count();
    let stored = appended.len() - append_errors;

    let mut consumer = node_b
        .consume(&bus::ConsumerSpec {
            name: "bench".into(),
            filter: "events.bench".into(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 3,
        })
        .await
        .map_err(bus_error)?;
    let started = clock::instant();
    let mut consumed = 0usize;
    while consumed < stored {
        let Ok(d) = tokio::time::timeout(Duration::from_secs(10), consumer.next()).await else {
            break;
        };
        d.map_err(bus_error)?.ack().await.map_err(bus_error)?;
        consumed += 1;
    }
    let consume_secs = started.elapsed().as_secs_f64().max(1e-9);
    Ok(json!({
        "fanout_messages": n,
        "fanout_rate_per_sec": a.rate,
        "fanout_received": received,
        "fanout_p50_ms": lat.quantile_ms(0.5),
        "fanout_p99_ms": lat.quantile_ms(0.99),
        "fanout_max_ms": lat.max_ms(),
        "events": a.events,
        "events_in_flight": a.in_flight,
        "append_errors": append_errors,
        "appends_per_sec": (stored as f64 / append_secs).round(),
        "events_consumed": consumed,
        "consumed_per_sec": (consumed as f64 / consume_secs).round(),
    }))
}
