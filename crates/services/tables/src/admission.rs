//! The waiting room: each node admits at most `guandan.ws_connections_max` connections, and none
//! while it runs `guandan.tables_max` tables. A connection arriving over capacity gets a ticket and
//! waits, in the order of arrival, up to `guandan.waiting_room_max` of them (beyond, it is refused).
//! Each freed place (a connection ending, a table closing) admits the oldest ticket. Waiting
//! connections learn their position, and an estimate of the wait from the node's recent admissions,
//! whenever it changes (see `queue_ticket` in `docs/protocol.md`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// Admissions remembered for the wait estimate.
const RECENT_ADMISSIONS: usize = 32;

/// The node's admission state.
#[derive(Debug)]
pub struct Admission {
    inner: Mutex<Inner>,
    /// Bumped whenever the queue moves: waiting connections recompute their position.
    moved: watch::Sender<u64>,
}

#[derive(Debug)]
struct Inner {
    capacity: Capacity,
    admitted: usize,
    next_ticket: u64,
    waiting: BTreeMap<u64, oneshot::Sender<Pass>>,
    /// Intervals between recent admissions from the queue, and the last one's time.
    intervals: std::collections::VecDeque<Duration>,
    last_admit: Option<Instant>,
}

/// An admitted connection's place; dropping it frees the place for the next ticket.
#[derive(Debug)]
pub struct Pass {
    adm: Arc<Admission>,
}

/// What the node may hold.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    /// Connections admitted at most.
    pub connections: usize,
    /// Tickets waiting at most.
    pub waiting: usize,
    /// Whether the node is at its table limit (nobody is admitted meanwhile).
    pub tables_full: bool,
}

/// A connection waiting in the room.
#[derive(Debug)]
pub struct Ticket {
    /// Its number.
    pub number: u64,
    /// Resolves with the pass once this ticket is admitted.
    pub admitted: oneshot::Receiver<Pass>,
    /// Changes whenever the queue moves (the position may have changed).
    pub moved: watch::Receiver<u64>,
    adm: Arc<Admission>,
}

/// The answer to an arrival.
#[derive(Debug)]
pub enum Arrival {
    /// In at once.
    Admitted(Pass),
    /// Over capacity: wait with this ticket.
    Queued(Ticket),
    /// The waiting room is full too.
    Refused,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Admission {
    /// A room for `connections` admitted and `waiting` queued connections.
    pub fn new(connections: usize, waiting: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                capacity: Capacity {
                    connections,
                    waiting,
                    tables_full: false,
                },
                admitted: 0,
                next_ticket: 1,
                waiting: BTreeMap::new(),
                intervals: std::collections::VecDeque::new(),
                last_admit: None,
            }),
            moved: watch::channel(0).0,
        }
    }

    /// Whether the node is at its table limit (nobody is admitted meanwhile); admits waiting
    /// tickets when it no longer is.
    pub fn set_tables_full(self: &Arc<Self>, full: bool) {
        let was = std::mem::replace(&mut lock(&self.inner).capacity.tables_full, full);
        if was && !full {
            self.pump();
        }
    }

    /// Admits a connection whatever the capacity (a player seated at a table here comes back).
    pub fn force(self: &Arc<Self>) -> Pass {
        lock(&self.inner).admitted += 1;
        Pass { adm: self.clone() }
    }

    /// A connection arrives: admitted when there is room and nobody waits before it.
    pub fn arrive(self: &Arc<Self>) -> Arrival {
        let mut inner = lock(&self.inner);
        let capacity = inner.capacity;
        if inner.waiting.is_empty()
            && !capacity.tables_full
            && inner.admitted < capacity.connections
        {
            inner.admitted += 1;
            return Arrival::Admitted(Pass { adm: self.clone() });
        }
        if inner.waiting.len() >= capacity.waiting {
            return Arrival::Refused;
        }
        let number = inner.next_ticket;
        inner.next_ticket += 1;
        if inner.waiting.is_empty() {
            // The wait is measured from here.
            inner.last_admit = Some(Instant::now());
        }
        let (tx, rx) = oneshot::channel();
        inner.waiting.insert(number, tx);
        metrics::gauge!("guandan_waiting_room").set(inner.waiting.len() as f64);
        Arrival::Queued(Ticket {
            number,
            admitted: rx,
            moved: self.moved.subscribe(),
            adm: self.clone(),
        })
    }

    /// Admits waiting tickets, oldest first, while the capacity allows.
    pub fn pump(self: &Arc<Self>) {
        let mut inner = lock(&self.inner);
        let mut moved = false;
        let mut gave_up = Vec::new();
        while !inner.capacity.tables_full && inner.admitted < inner.capacity.connections {
            let Some((_, tx)) = inner.waiting.pop_first() else {
                break;
            };
            moved = true;
            inner.admitted += 1;
            match tx.send(Pass { adm: self.clone() }) {
                Ok(()) => {
                    let now = Instant::now();
                    if let Some(last) = inner.last_admit.replace(now) {
                        inner.intervals.push_back(now.duration_since(last));
                        if inner.intervals.len() > RECENT_ADMISSIONS {
                            inner.intervals.pop_front();
                        }
                    }
                    metrics::counter!("guandan_waiting_room_admitted_total").increment(1);
                }
                // The connection gave up meanwhile: its pass frees the place again once dropped
                // (after this lock).
                Err(pass) => gave_up.push(pass),
            }
        }
        metrics::gauge!("guandan_waiting_room").set(inner.waiting.len() as f64);
        drop(inner);
        drop(gave_up);
        if moved {
            self.moved.send_modify(|v| *v += 1);
        }
    }

    /// Ticket `number`'s position (1: next) and the estimated wait.
    fn position(&self, number: u64) -> (u32, Option<u64>) {
        let inner = lock(&self.inner);
        let ahead = inner.waiting.range(..number).count();
        let position = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
        let estimate = (!inner.intervals.is_empty()).then(|| {
            let n = u32::try_from(inner.intervals.len()).unwrap_or(1);
            let mean = inner.intervals.iter().sum::<Duration>() / n;
            u64::try_from((mean * position).as_millis()).unwrap_or(u64::MAX)
        });
        (position, estimate)
    }

    fn leave(&self, number: u64) {
        let mut inner = lock(&self.inner);
        if inner.waiting.remove(&number).is_some() {
            metrics::gauge!("guandan_waiting_room").set(inner.waiting.len() as f64);
            drop(inner);
            self.moved.send_modify(|v| *v += 1);
        }
    }

    /// Connections admitted now.
    pub fn admitted(&self) -> usize {
        lock(&self.inner).admitted
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        {
            let mut inner = lock(&self.adm.inner);
            inner.admitted = inner.admitted.saturating_sub(1);
        }
        self.adm.pump();
    }
}

impl Ticket {
    /// Position (1: next) and estimated wait in milliseconds.
    pub fn position(&self) -> (u32, Option<u64>) {
        self.adm.position(self.number)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.adm.leave(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn arrivals_over_capacity_wait_and_are_admitted_in_order() {
        let adm = Arc::new(Admission::new(1, 3));
        let Arrival::Admitted(a) = adm.arrive() else {
            panic!("first is admitted")
        };
        let Arrival::Queued(mut t1) = adm.arrive() else {
            panic!("second waits")
        };
        let Arrival::Queued(t2) = adm.arrive() else {
            panic!("third waits")
        };
        let Arrival::Queued(mut t3) = adm.arrive() else {
            panic!("fourth waits")
        };
        assert!(matches!(adm.arrive(), Arrival::Refused));
        assert_eq!(t1.position().0, 1);
        assert_eq!(t3.position(), (3, None));
        // The second ticket gives up: the third moves up.
        drop(t2);
        assert_eq!(t3.position().0, 2);
        drop(a);
        let p1 = (&mut t1.admitted)
            .await
            .expect("the oldest ticket is admitted");
        assert_eq!(adm.admitted(), 1);
        let (pos, estimate) = t3.position();
        assert_eq!(pos, 1);
        assert!(estimate.is_some(), "one admission measured");
        // Nobody jumps the queue while a ticket waits.
        let Arrival::Queued(t4) = adm.arrive() else {
            panic!("a newcomer waits behind the queue")
        };
        assert_eq!(t4.position().0, 2);
        drop(p1);
        assert!((&mut t3.admitted).await.is_ok());
        assert_eq!(t4.position().0, 1);
    }

    #[tokio::test]
    async fn a_full_table_count_holds_everyone() {
        let adm = Arc::new(Admission::new(10, 10));
        adm.set_tables_full(true);
        let Arrival::Queued(mut t) = adm.arrive() else {
            panic!("waits while the tables are full")
        };
        adm.pump();
        assert_eq!(t.position().0, 1);
        adm.set_tables_full(false);
        assert!((&mut t.admitted).await.is_ok());
    }
}
