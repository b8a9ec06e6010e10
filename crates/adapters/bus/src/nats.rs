//! The NATS adapter: core NATS for fan-out and request/reply, JetStream for the durable stream
//! (`<namespace>_events` over `<namespace>.events.>`, `<namespace>_dead` over
//! `<namespace>.dead.>`), with publisher dedupe by `Nats-Msg-Id` and durable pull consumers with
//! explicit acks. The dead-letter move is the adapter's: JetStream redelivers without limit, and a
//! delivery past `max_deliver` (or a nak of the last one) is appended to `dead.<kind>` under the
//! same id and terminated.

use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer, stream};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;

use crate::{
    Acker, Appended, Bus, BusError, Consumer, ConsumerSpec, Delivery, Event, Message,
    SUBSCRIPTION_BUFFER, Subscription, check_event, check_filter, check_spec, check_subject,
    dead_subject, token_ok,
};

/// How long connecting, and each JetStream call, may take before the bus counts as unavailable.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long JetStream remembers an event id for dedupe. An outbox re-append after a crash comes
/// well within it; consumers still key their effects on the event id.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(2 * 3600);

/// Events a consumer fetches ahead of its reader.
const PREFETCH: usize = 16;

/// The NATS bus.
#[derive(Clone)]
pub struct NatsBus {
    client: async_nats::Client,
    js: jetstream::Context,
    ns: String,
}

impl std::fmt::Debug for NatsBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsBus")
            .field("namespace", &self.ns)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: impl std::fmt::Display) -> BusError {
    BusError::Unavailable(e.to_string())
}

async fn within<T, E: std::fmt::Display>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, BusError> {
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(r) => r.map_err(|e| BusError::Unavailable(format!("{what}: {e}"))),
        Err(_) => Err(BusError::Unavailable(format!("{what}: no answer"))),
    }
}

impl NatsBus {
    /// Connects to NATS at `url` and makes sure the namespace's two streams exist. `namespace` is
    /// one token (letters, digits, `_`, `-`). Fails when NATS (with JetStream) does not answer.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, BusError> {
        if !token_ok(namespace) {
            return Err(BusError::Invalid(format!("bad namespace {namespace:?}")));
        }
        let client = within(
            "connect",
            async_nats::ConnectOptions::new()
                .connection_timeout(CALL_TIMEOUT)
                .request_timeout(Some(CALL_TIMEOUT))
                .max_reconnects(None)
                .subscription_capacity(SUBSCRIPTION_BUFFER)
                .connect(url),
        )
        .await?;
        let js = jetstream::new(client.clone());
        let bus = Self {
            client,
            js,
            ns: namespace.to_owned(),
        };
        for (name, part) in [("events", "events"), ("dead", "dead")] {
            let config = stream::Config {
                name: format!("{namespace}_{name}"),
                subjects: vec![format!("{namespace}.{part}.>")],
                duplicate_window: DUPLICATE_WINDOW,
                storage: stream::StorageType::File,
                ..stream::Config::default()
            };
            within("create stream", bus.js.get_or_create_stream(config)).await?;
        }
        Ok(bus)
    }

    /// Deletes the namespace's streams (their events and consumers): for tests and benchmarks that
    /// share a server.
    pub async fn drop_namespace(&self) -> Result<(), BusError> {
        for name in ["events", "dead"] {
            within(
                "delete stream",
                self.js.delete_stream(format!("{}_{name}", self.ns)),
            )
            .await?;
        }
        Ok(())
    }

    fn full(&self, subject: &str) -> String {
        format!("{}.{subject}", self.ns)
    }

    fn stream_of(&self, filter: &str) -> String {
        if filter.starts_with("dead.") {
            format!("{}_dead", self.ns)
        } else {
            format!("{}_events", self.ns)
        }
    }

    async fn append_to(&self, subject: String, event: &Event) -> Result<Appended, BusError> {
        let ack = within(
            "append",
            self.js.send_publish(
                subject,
                jetstream::message::PublishMessage::build()
                    .payload(event.payload.clone())
                    .message_id(&event.id),
            ),
        )
        .await?;
        let ack = within("append ack", std::future::IntoFuture::into_future(ack)).await?;
        Ok(Appended {
            seq: ack.sequence,
            duplicate: ack.duplicate,
        })
    }
}

#[async_trait]
impl Bus for NatsBus {
    fn backend_name(&self) -> &'static str {
        "nats"
    }

    async fn ping(&self) -> Result<(), BusError> {
        within("ping", self.client.flush()).await?;
        // JetStream answers: the namespace's stream is there.
        within(
            "jetstream",
            self.js.get_stream(format!("{}_events", self.ns)),
        )
        .await?;
        Ok(())
    }

    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError> {
        check_subject(subject)?;
        self.client
            .publish(self.full(subject), payload)
            .await
            .map_err(unavailable)
    }

    async fn subscribe(&self, filter: &str) -> Result<Subscription, BusError> {
        check_filter(filter)?;
        let sub = within("subscribe", self.client.subscribe(self.full(filter))).await?;
        // Make sure the server has the interest before the caller relies on it: a flush only writes
        // the SUB; the answer to a request sent after it proves the server processed it (one
        // connection's commands are handled in order).
        within(
            "subscribe round trip",
            self.client.request("$JS.API.INFO", Bytes::new()),
        )
        .await?;
        // Read straight from the client's subscriber (its own buffer drops messages for a subscriber
        // that falls too far behind: fan-out is at most once); dropping it unsubscribes.
        let prefix = format!("{}.", self.ns);
        let stream = sub.map(move |m| {
            let subject = m
                .subject
                .as_str()
                .strip_prefix(&prefix)
                .unwrap_or(m.subject.as_str())
                .to_owned();
            Message {
                subject,
                payload: m.payload,
                reply: m.reply.map(|r| r.to_string()),
            }
        });
        Ok(Subscription::new(stream.boxed(), Box::new(())))
    }

    async fn request(
        &self,
        subject: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, BusError> {
        check_subject(subject)?;
        let req = async_nats::Request::new()
            .payload(payload)
            .timeout(Some(timeout));
        match self.client.send_request(self.full(subject), req).await {
            Ok(m) => Ok(m.payload),
            Err(e) => Err(match e.kind() {
                async_nats::RequestErrorKind::NoResponders => {
                    BusError::NoResponders(subject.to_owned())
                }
                async_nats::RequestErrorKind::TimedOut => BusError::TimedOut(subject.to_owned()),
                _ => unavailable(e),
            }),
        }
    }

    async fn reply(&self, to: &Message, payload: Bytes) -> Result<(), BusError> {
        let Some(inbox) = &to.reply else {
            return Err(BusError::Invalid(format!(
                "the message on {} asked for no reply",
                to.subject
            )));
        };
        self.client
            .publish(inbox.clone(), payload)
            .await
            .map_err(unavailable)
    }

    async fn append(&self, event: &Event) -> Result<Appended, BusError> {
        check_event(event)?;
        self.append_to(self.full(&format!("events.{}", event.kind)), event)
            .await
    }

    async fn consume(&self, spec: &ConsumerSpec) -> Result<Box<dyn Consumer>, BusError> {
        check_spec(spec)?;
        let stream = within("stream", self.js.get_stream(self.stream_of(&spec.filter))).await?;
        let config = consumer::pull::Config {
            durable_name: Some(spec.name.clone()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: spec.ack_wait,
            // Unlimited here: the adapter moves an event to the dead letters itself.
            max_deliver: -1,
            filter_subject: self.full(&spec.filter),
            deliver_policy: consumer::DeliverPolicy::All,
            ..consumer::pull::Config::default()
        };
        let consumer = within(
            "consumer",
            stream.get_or_create_consumer(&spec.name, config),
        )
        .await?;
        // Small batches: a prefetched event's ack timer runs while it waits in the buffer.
        let messages = within(
            "messages",
            consumer
                .stream()
                .max_messages_per_batch(PREFETCH)
                .messages(),
        )
        .await?;
        Ok(Box::new(NatsConsumer {
            bus: self.clone(),
            max_deliver: spec.max_deliver,
            messages,
        }))
    }
}

struct NatsConsumer {
    bus: NatsBus,
    max_deliver: u32,
    messages: consumer::pull::Stream,
}

impl NatsBus {
    /// The event a stream message carries: kind from its subject, id from `Nats-Msg-Id`.
    fn event_of(&self, m: &jetstream::Message) -> Result<Event, BusError> {
        let subject = m.subject.as_str();
        let rest = subject
            .strip_prefix(&format!("{}.", self.ns))
            .ok_or_else(|| {
                BusError::Protocol(format!("subject {subject} outside the namespace"))
            })?;
        let kind = rest
            .split_once('.')
            .map(|(_, k)| k.to_owned())
            .ok_or_else(|| BusError::Protocol(format!("subject {subject} has no kind")))?;
        let id = m
            .headers
            .as_ref()
            .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
            .map(|v| v.as_str().to_owned())
            .ok_or_else(|| BusError::Protocol(format!("message on {subject} has no id")))?;
        Ok(Event {
            id,
            kind,
            payload: m.payload.clone(),
        })
    }

    async fn bury(&self, event: &Event, m: &jetstream::Message) -> Result<(), BusError> {
        self.append_to(self.full(&dead_subject(&event.kind)), event)
            .await?;
        within("term", m.ack_with(AckKind::Term)).await
    }
}

#[async_trait]
impl Consumer for NatsConsumer {
    async fn next(&mut self) -> Result<Delivery, BusError> {
        loop {
            let m = match self.messages.next().await {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "consumer stream");
                    return Err(unavailable(e));
                }
                None => return Err(BusError::Unavailable("the consumer closed".into())),
            };
            let (seq, delivered) = {
                let info = m.info().map_err(|e| BusError::Protocol(e.to_string()))?;
                (
                    info.stream_sequence,
                    u32::try_from(info.delivered).unwrap_or(u32::MAX),
                )
            };
            let event = match self.bus.event_of(&m) {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable stream message terminated");
                    within("term", m.ack_with(AckKind::Term)).await?;
                    continue;
                }
            };
            if delivered > self.max_deliver {
                // Its last delivery timed out: a dead letter, not a delivery.
                self.bus.bury(&event, &m).await?;
                continue;
            }
            return Ok(Delivery {
                event,
                seq,
                delivered,
                acker: Box::new(NatsAck {
                    bus: self.bus.clone(),
                    max_deliver: self.max_deliver,
                    message: m,
                }),
            });
        }
    }
}

struct NatsAck {
    bus: NatsBus,
    max_deliver: u32,
    message: jetstream::Message,
}

#[async_trait]
impl Acker for NatsAck {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        within("ack", self.message.double_ack()).await
    }

    async fn nak(self: Box<Self>, event: &Event, delivered: u32) -> Result<(), BusError> {
        if delivered >= self.max_deliver {
            self.bus.bury(event, &self.message).await
        } else {
            within("nak", self.message.ack_with(AckKind::Nak(None))).await
        }
    }
}
