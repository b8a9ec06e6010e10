//! The in-process adapter (the embedded default): subscriptions are channels, the durable stream a
//! log in memory. Durable within the process: an embedded node keeps its facts in the database and
//! re-appends them from its outbox at start. Ack timeouts run on the runtime's clock (`tokio::time`).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::{
    Acker, Appended, Bus, BusError, Consumer, ConsumerSpec, Delivery, Event, Message,
    SUBSCRIPTION_BUFFER, Subscription, check_event, check_filter, check_spec, check_subject,
    dead_subject, subject_matches,
};

/// Events kept in memory; older ones are dropped (with their dedupe ids).
pub const LOG_MAX: usize = 100_000;

/// The in-process bus.
#[derive(Clone)]
pub struct LocalBus {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for LocalBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBus").finish_non_exhaustive()
    }
}

struct Shared {
    subs: Mutex<Vec<Sub>>,
    next_id: AtomicU64,
    log: Mutex<Log>,
    /// Bumped on every append and nak, so waiting consumers look again.
    changed: watch::Sender<u64>,
}

struct Sub {
    id: u64,
    filter: String,
    tx: mpsc::Sender<Message>,
}

#[derive(Default)]
struct Log {
    /// (seq, subject, event), seqs ascending from `first_seq`.
    entries: VecDeque<(u64, String, Event)>,
    next_seq: u64,
    /// Subject-qualified event id → seq.
    ids: HashMap<String, u64>,
    consumers: HashMap<String, State>,
}

struct State {
    spec: ConsumerSpec,
    /// The next seq not yet delivered.
    cursor: u64,
    /// Delivered, not yet acknowledged: seq → (deliveries so far, when to deliver again).
    pending: BTreeMap<u64, (u32, Instant)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for LocalBus {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalBus {
    /// An empty bus.
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                subs: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
                log: Mutex::new(Log {
                    next_seq: 1,
                    ..Log::default()
                }),
                changed: watch::Sender::new(0),
            }),
        }
    }
}

impl Shared {
    /// Delivers to every matching subscriber; how many there were.
    fn fan_out(&self, msg: &Message) -> usize {
        let mut subs = lock(&self.subs);
        subs.retain(|s| !s.tx.is_closed());
        let mut n = 0;
        for s in subs
            .iter()
            .filter(|s| subject_matches(&s.filter, &msg.subject))
        {
            n += 1;
            if s.tx.try_send(msg.clone()).is_err() {
                tracing::debug!(subject = %msg.subject, "a slow subscriber missed a message");
            }
        }
        n
    }

    fn subscribe(self: &Arc<Self>, filter: &str) -> Subscription {
        let (tx, rx) = mpsc::channel(SUBSCRIPTION_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.subs).push(Sub {
            id,
            filter: filter.to_owned(),
            tx,
        });
        Subscription::from_channel(
            rx,
            Box::new(Unsubscribe {
                shared: Arc::downgrade(self),
                id,
            }),
        )
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}

struct Unsubscribe {
    shared: std::sync::Weak<Shared>,
    id: u64,
}

impl Drop for Unsubscribe {
    fn drop(&mut self) {
        if let Some(s) = self.shared.upgrade() {
            lock(&s.subs).retain(|sub| sub.id != self.id);
        }
    }
}

impl Log {
    fn append(&mut self, subject: String, event: &Event) -> Appended {
        let key = format!("{subject}\n{}", event.id);
        if let Some(seq) = self.ids.get(&key) {
            return Appended {
                seq: *seq,
                duplicate: true,
            };
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.ids.insert(key, seq);
        self.entries.push_back((seq, subject, event.clone()));
        while self.entries.len() > LOG_MAX {
            if let Some((_, subject, old)) = self.entries.pop_front() {
                self.ids.remove(&format!("{subject}\n{}", old.id));
            }
        }
        Appended {
            seq,
            duplicate: false,
        }
    }

    fn entry(&self, seq: u64) -> Option<&(u64, String, Event)> {
        let first = self.entries.front()?.0;
        self.entries
            .get(usize::try_from(seq.checked_sub(first)?).ok()?)
    }

    fn dead_letter(&mut self, event: &Event) {
        let dead = dead_subject(&event.kind);
        self.append(dead, event);
    }

    /// The consumer's next delivery, or when to look again (`None`: on the next change).
    /// `dead` counts the dead letters it wrote on the way.
    fn next_for(
        &mut self,
        name: &str,
        now: Instant,
        dead: &mut u32,
    ) -> Result<(u64, Event, u32), Option<Instant>> {
        loop {
            let Some(state) = self.consumers.get(name) else {
                return Err(None);
            };
            let due = state
                .pending
                .iter()
                .find(|(_, (_, at))| *at <= now)
                .map(|(seq, (n, _))| (*seq, *n));
            let (seq, delivered) = if let Some((seq, n)) = due {
                (seq, n + 1)
            } else {
                let cursor = state.cursor;
                let filter = state.spec.filter.clone();
                let next = self
                    .entries
                    .iter()
                    .skip_while(|(seq, _, _)| *seq < cursor)
                    .find(|(_, subject, _)| subject_matches(&filter, subject))
                    .map(|(seq, _, _)| *seq);
                let Some(seq) = next else {
                    let state = self.consumers.get_mut(name).ok_or(None)?;
                    state.cursor = self.next_seq;
                    return Err(state.pending.values().map(|(_, at)| *at).min());
                };
                if let Some(state) = self.consumers.get_mut(name) {
                    state.cursor = seq + 1;
                }
                (seq, 1)
            };
            let Some((_, _, event)) = self.entry(seq).cloned() else {
                // Dropped from the log meanwhile.
                if let Some(state) = self.consumers.get_mut(name) {
                    state.pending.remove(&seq);
                }
                continue;
            };
            let Some(state) = self.consumers.get_mut(name) else {
                return Err(None);
            };
            if delivered > state.spec.max_deliver {
                // Its last delivery timed out: a dead letter, not a delivery.
                state.pending.remove(&seq);
                self.dead_letter(&event);
                *dead += 1;
                continue;
            }
            state
                .pending
                .insert(seq, (delivered, now + state.spec.ack_wait));
            return Ok((seq, event, delivered));
        }
    }
}

#[async_trait]
impl Bus for LocalBus {
    fn backend_name(&self) -> &'static str {
        "local"
    }

    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }

    async fn publish(&self, subject: &str, payload: Bytes) -> Result<(), BusError> {
        check_subject(subject)?;
        self.shared.fan_out(&Message {
            subject: subject.to_owned(),
            payload,
            reply: None,
        });
        Ok(())
    }

    async fn subscribe(&self, filter: &str) -> Result<Subscription, BusError> {
        check_filter(filter)?;
        Ok(self.shared.subscribe(filter))
    }

    async fn request(
        &self,
        subject: &str,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, BusError> {
        check_subject(subject)?;
        let inbox = format!(
            "_INBOX.{}",
            self.shared.next_id.fetch_add(1, Ordering::Relaxed)
        );
        let mut replies = self.shared.subscribe(&inbox);
        let heard = self.shared.fan_out(&Message {
            subject: subject.to_owned(),
            payload,
            reply: Some(inbox),
        });
        if heard == 0 {
            return Err(BusError::NoResponders(subject.to_owned()));
        }
        match tokio::time::timeout(timeout, replies.next()).await {
            Ok(Some(m)) => Ok(m.payload),
            Ok(None) => Err(BusError::Unavailable("the bus closed".into())),
            Err(_) => Err(BusError::TimedOut(subject.to_owned())),
        }
    }

    async fn reply(&self, to: &Message, payload: Bytes) -> Result<(), BusError> {
        let Some(inbox) = &to.reply else {
            return Err(BusError::Invalid(format!(
                "the message on {} asked for no reply",
                to.subject
            )));
        };
        self.shared.fan_out(&Message {
            subject: inbox.clone(),
            payload,
            reply: None,
        });
        Ok(())
    }

    async fn append(&self, event: &Event) -> Result<Appended, BusError> {
        check_event(event)?;
        let appended = lock(&self.shared.log).append(format!("events.{}", event.kind), event);
        if !appended.duplicate {
            self.shared.bump();
        }
        Ok(appended)
    }

    async fn consume(&self, spec: &ConsumerSpec) -> Result<Box<dyn Consumer>, BusError> {
        check_spec(spec)?;
        {
            let mut log = lock(&self.shared.log);
            let first = log.entries.front().map_or(log.next_seq, |e| e.0);
            let state = log.consumers.entry(spec.name.clone()).or_insert(State {
                spec: spec.clone(),
                cursor: first,
                pending: BTreeMap::new(),
            });
            // A durable consumer keeps its position; its settings follow the latest opening.
            state.spec = spec.clone();
        }
        Ok(Box::new(LocalConsumer {
            shared: self.shared.clone(),
            name: spec.name.clone(),
            changed: self.shared.changed.subscribe(),
        }))
    }
}

struct LocalConsumer {
    shared: Arc<Shared>,
    name: String,
    changed: watch::Receiver<u64>,
}

#[async_trait]
impl Consumer for LocalConsumer {
    async fn next(&mut self) -> Result<Delivery, BusError> {
        loop {
            self.changed.borrow_and_update();
            let mut dead = 0;
            let found = lock(&self.shared.log).next_for(&self.name, Instant::now(), &mut dead);
            if dead > 0 {
                // Readers of the dead letters look again.
                self.shared.bump();
            }
            match found {
                Ok((seq, event, delivered)) => {
                    return Ok(Delivery {
                        event,
                        seq,
                        delivered,
                        acker: Box::new(LocalAck {
                            shared: self.shared.clone(),
                            name: self.name.clone(),
                            seq,
                        }),
                    });
                }
                Err(wake) => {
                    let far = Instant::now() + Duration::from_secs(3_600);
                    tokio::select! {
                        r = self.changed.changed() => {
                            if r.is_err() {
                                return Err(BusError::Unavailable("the bus closed".into()));
                            }
                        }
                        () = tokio::time::sleep_until(wake.unwrap_or(far)) => {}
                    }
                }
            }
        }
    }
}

struct LocalAck {
    shared: Arc<Shared>,
    name: String,
    seq: u64,
}

#[async_trait]
impl Acker for LocalAck {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        if let Some(state) = lock(&self.shared.log).consumers.get_mut(&self.name) {
            state.pending.remove(&self.seq);
        }
        Ok(())
    }

    async fn nak(self: Box<Self>, event: &Event, delivered: u32) -> Result<(), BusError> {
        {
            let mut log = lock(&self.shared.log);
            let Some(state) = log.consumers.get_mut(&self.name) else {
                return Ok(());
            };
            if delivered >= state.spec.max_deliver {
                state.pending.remove(&self.seq);
                log.dead_letter(event);
            } else if let Some(p) = state.pending.get_mut(&self.seq) {
                p.1 = Instant::now();
            }
        }
        self.shared.bump();
        Ok(())
    }
}
