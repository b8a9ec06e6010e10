//! The `bus` port: the cluster's messaging. Fan-out publish/subscribe (pushes to every node's
//! connections), request/reply (a frame routed to the node that owns a table), and a durable event
//! stream: at-least-once delivery to durable consumers, publisher dedupe by event id, explicit ack,
//! redelivery after a nak or an ack timeout, and a dead-letter stream after `max_deliver`
//! deliveries. Services see only the [`Bus`] trait; the adapters are [`LocalBus`] (one process, the
//! embedded default) and [`NatsBus`] (NATS JetStream), and both pass one conformance suite
//! (`conformance`, behind the `testing` feature).
//!
//! Subjects are dot-separated tokens; a filter's `*` matches one token and a final `>` one or
//! more. Durable events live under `events.<kind>`, dead letters under `dead.<kind>`.

mod local;
mod nats;

#[cfg(any(test, feature = "testing"))]
pub mod conformance;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
pub use bytes::Bytes;

pub use local::LocalBus;
pub use nats::NatsBus;

/// Why a bus call failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The bus could not be reached or did not answer in time.
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    /// A request found nobody subscribed to its subject.
    #[error("no responders on {0}")]
    NoResponders(String),
    /// A request got no reply within its timeout.
    #[error("request to {0} timed out")]
    TimedOut(String),
    /// A caller's argument is invalid (a bad subject, kind or event id).
    #[error("bus invalid argument: {0}")]
    Invalid(String),
    /// The bus answered something this adapter cannot read.
    #[error("bus protocol: {0}")]
    Protocol(String),
}

/// A fan-out or request message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Where it was published.
    pub subject: String,
    /// Its body.
    pub payload: Bytes,
    /// Where a reply goes (requests only); answer with [`Bus::reply`].
    pub reply: Option<String>,
}

/// A durable event: a fact (a settled bet, a finished match) with a stable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable id: appending the same id again is a duplicate and stores nothing.
    pub id: String,
    /// Its kind (one subject token: `bet_settled`, `match_finished`): the subject is `events.<kind>`.
    pub kind: String,
    /// Its body.
    pub payload: Bytes,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The event's position in the stream (the first append's, for a duplicate).
    pub seq: u64,
    /// The id was already in the stream: nothing was stored.
    pub duplicate: bool,
}

/// A durable consumer: a named position in the stream that survives restarts of its reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSpec {
    /// Its name (letters, digits, `-` and `_`): readers with the same name share its deliveries.
    pub name: String,
    /// Which subjects it reads: `events.>` (every kind), `events.<kind>`, or `dead.>` for the dead
    /// letters.
    pub filter: String,
    /// How long a delivery may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// Deliveries of one event before it is moved to `dead.<kind>` (≥ 1).
    pub max_deliver: u32,
}

/// One delivery of a durable event; acknowledge it, or nak it for a redelivery.
pub struct Delivery {
    /// The event.
    pub event: Event,
    /// Its position in the stream.
    pub seq: u64,
    /// How many times it has been delivered to this consumer, this one included (1 the first time).
    pub delivered: u32,
    acker: Box<dyn Acker>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("event", &self.event)
            .field("seq", &self.seq)
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// Done: the event is never delivered to this consumer again.
    pub async fn ack(self) -> Result<(), BusError> {
        self.acker.ack().await
    }

    /// Not done: deliver it again, or move it to the dead letters when this was its last delivery.
    pub async fn nak(self) -> Result<(), BusError> {
        self.acker.nak(&self.event, self.delivered).await
    }
}

/// How an adapter settles one delivery.
#[async_trait]
trait Acker: Send + Sync {
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    async fn nak(self: Box<Self>, event: &Event, delivered: u32) -> Result<(), BusError>;
}

/// Reads a durable consumer's deliveries.
#[async_trait]
pub trait Consumer: Send {
    /// The next delivery: a redelivery that is due, or the next event; waits until there is one.
    async fn next(&mut self) -> Result<Delivery, BusError>;
}

/// Messages of one subscription (read straight from the adapter's stream: no task in between).
pub struct Subscription {
    stream: futures::stream::BoxStream<'static, Message>,
    _guard: Box<dyn Send + Sync>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

impl Subscription {
    /// A subscription reading `stream`; `guard` lives as long as it (and ends it when dropped).
    fn new(
        stream: futures::stream::BoxStream<'static, Message>,
        guard: Box<dyn Send + Sync>,
    ) -> Self {
        Self {
            stream,
            _guard: guard,
        }
    }

    /// A subscription fed through channel `rx`.
    fn from_channel(rx: tokio::sync::mpsc::Receiver<Message>, guard: Box<dyn Send + Sync>) -> Self {
        use futures::StreamExt;
        let stream =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        Self::new(stream.boxed(), guard)
    }

    /// The next message; `None` once the bus is gone.
    pub async fn next(&mut self) -> Option<Message> {
        use futures::StreamExt;
        self.stream.next().await
    }
}

/// Messages a subscriber may fall behind by before newer ones are dropped for it (fan-out is
/// at-most-once; durable events are not).
pub const SUBSCRIPTION_BUFFER: usize = 4_096;

/// The cluster's messaging.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// `local` or `nats`.
    fn backend_name(&self) -> &'static str;

    /// Whether the bus answers (for `/ready`).
    async fn ping(&self) -> Result<(), BusError>;

    /// Sends `payload` to every current subscriber of `subject` (at most once, no replay).
    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError>;

    /// Receives what is published on subjects matching `filter` from now on.
    async fn subscribe(&self, filter: &str) -> Result<Subscription, BusError>;

    /// Sends `payload` to one subscriber of `subject` and waits up to `timeout` for its reply.
    async fn request(
        &self,
        subject: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, BusError>;

    /// Answers a request.
    async fn reply(&self, to: &Message, payload: Bytes) -> Result<(), BusError>;

    /// Appends `event` to the durable stream once: the same id again is a duplicate.
    async fn append(&self, event: &Event) -> Result<Appended, BusError>;

    /// Opens (creating it the first time) the durable consumer `spec`.
    async fn consume(&self, spec: &ConsumerSpec) -> Result<Box<dyn Consumer>, BusError>;
}

/// The bus of a node: NATS at `url` when one is given (a cluster), otherwise in process. Subjects,
/// streams and consumers live under `namespace` so that clusters (and test runs) can share a server.
pub async fn connect(url: Option<&str>, namespace: &str) -> Result<Arc<dyn Bus>, BusError> {
    match url {
        Some(url) => Ok(Arc::new(NatsBus::connect(url, namespace).await?)),
        None => Ok(Arc::new(LocalBus::new())),
    }
}

/// Whether `subject` matches `filter` (`*` one token, a final `>` one or more).
pub fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut f = filter.split('.');
    let mut s = subject.split('.');
    loop {
        match (f.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

fn token_ok(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A subject to publish on: tokens of letters, digits, `_` and `-`.
fn check_subject(subject: &str) -> Result<(), BusError> {
    if subject.len() <= 512 && subject.split('.').all(token_ok) {
        Ok(())
    } else {
        Err(BusError::Invalid(format!("bad subject {subject:?}")))
    }
}

/// A subscription filter: a subject whose tokens may be `*`, and whose last may be `>`.
fn check_filter(filter: &str) -> Result<(), BusError> {
    let tokens: Vec<&str> = filter.split('.').collect();
    let ok = filter.len() <= 512
        && tokens
            .iter()
            .enumerate()
            .all(|(i, t)| token_ok(t) || *t == "*" || (*t == ">" && i + 1 == tokens.len()));
    if ok {
        Ok(())
    } else {
        Err(BusError::Invalid(format!("bad filter {filter:?}")))
    }
}

fn check_event(event: &Event) -> Result<(), BusError> {
    if !token_ok(&event.kind) {
        return Err(BusError::Invalid(format!(
            "bad event kind {:?}",
            event.kind
        )));
    }
    if event.id.is_empty() || event.id.len() > 256 || event.id.chars().any(char::is_whitespace) {
        return Err(BusError::Invalid(format!("bad event id {:?}", event.id)));
    }
    Ok(())
}

fn check_spec(spec: &ConsumerSpec) -> Result<(), BusError> {
    if !token_ok(&spec.name) {
        return Err(BusError::Invalid(format!(
            "bad consumer name {:?}",
            spec.name
        )));
    }
    check_filter(&spec.filter)?;
    if !(spec.filter.starts_with("events.") || spec.filter.starts_with("dead.")) {
        return Err(BusError::Invalid(format!(
            "a consumer reads events.… or dead.…, not {:?}",
            spec.filter
        )));
    }
    if spec.max_deliver == 0 || spec.ack_wait.is_zero() {
        return Err(BusError::Invalid(
            "a consumer needs max_deliver ≥ 1 and a positive ack_wait".into(),
        ));
    }
    Ok(())
}

/// The event a dead letter carries: the same id and payload, under `dead.<kind>`.
fn dead_subject(kind: &str) -> String {
    format!("dead.{kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_like_nats() {
        assert!(subject_matches("events.>", "events.bet_settled"));
        assert!(subject_matches("events.>", "events.a.b"));
        assert!(!subject_matches("events.>", "events"));
        assert!(subject_matches("t.*.frame", "t.42.frame"));
        assert!(!subject_matches("t.*.frame", "t.42.x"));
        assert!(!subject_matches("t.*", "t.42.frame"));
        assert!(subject_matches("a.b", "a.b"));
        assert!(!subject_matches("a.b", "a.b.c"));
        assert!(check_filter("events.>").is_ok());
        assert!(check_filter("events.>.x").is_err());
        assert!(check_subject("events.*").is_err());
        assert!(check_subject("a..b").is_err());
    }
}
