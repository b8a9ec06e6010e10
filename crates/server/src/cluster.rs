//! The node's place in a cluster: its bus and kv (NATS and Redis, or in process when embedded),
//! its node id, and the machine id it leases so that generated ids never collide across nodes.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use api::ids::IdGenerator;
use tokio::task::JoinHandle;

use crate::StartError;
use crate::config::Config;

/// How long a machine-id lease lasts without renewal.
pub const IDENTITY_TTL: Duration = Duration::from_secs(30);
/// How often it is renewed.
pub const IDENTITY_RENEW_EVERY: Duration = Duration::from_secs(5);

/// The node's cluster parts.
pub struct Cluster {
    /// Messaging (NATS, or in process).
    pub bus: Arc<dyn bus::Bus>,
    /// Shared fast state (Redis, or in memory).
    pub kv: Arc<dyn kv::Kv>,
    /// This node's id (random per start): the holder of its leases.
    pub node_id: String,
    identity: Mutex<kv::Lease>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_id", &self.node_id)
            .field("machine_id", &self.machine_id())
            .finish_non_exhaustive()
    }
}

fn lease_name(machine_id: u16) -> String {
    format!("machine-id:{machine_id}")
}

/// The machine id a lease stands for.
fn machine_of(lease: &kv::Lease) -> u16 {
    lease
        .name
        .strip_prefix("machine-id:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Leases a free machine id, `preferred` first, then the next ones.
async fn lease_machine_id(
    kv: &dyn kv::Kv,
    preferred: u16,
    node_id: &str,
) -> Result<kv::Lease, kv::KvError> {
    for offset in 0..=u16::MAX {
        let id = preferred.wrapping_add(offset);
        if let Some(lease) = kv.acquire(&lease_name(id), node_id, IDENTITY_TTL).await? {
            return Ok(lease);
        }
    }
    Err(kv::KvError::Unavailable(
        "every machine id is leased by another node".into(),
    ))
}

impl Cluster {
    /// Connects the bus and kv `config` names (in process when it names none) and leases a
    /// machine id.
    pub async fn connect(config: &Config) -> Result<Self, StartError> {
        let ns = &config.node.cluster;
        let bus = bus::connect(config.nats_url.as_deref(), ns)
            .await
            .map_err(|e| StartError::Config(format!("NATS: {e}")))?;
        let kv = kv::connect(config.redis_url.as_deref(), ns)
            .await
            .map_err(|e| StartError::Config(format!("Redis: {e}")))?;
        let node_id = api::token::random_hex(8);
        let identity = lease_machine_id(kv.as_ref(), config.node.machine_id, &node_id)
            .await
            .map_err(|e| StartError::Config(format!("machine id: {e}")))?;
        tracing::info!(
            node = %node_id,
            machine_id = machine_of(&identity),
            bus = bus.backend_name(),
            kv = kv.backend_name(),
            "node identity"
        );
        Ok(Self {
            bus,
            kv,
            node_id,
            identity: Mutex::new(identity),
        })
    }

    /// The machine id this node holds.
    pub fn machine_id(&self) -> u16 {
        machine_of(&self.identity.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn lease(&self) -> kv::Lease {
        self.identity
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps the machine-id lease: renews it, and should it be lost (the kv unreachable for longer
    /// than its lifetime), takes it back or leases another id and switches `ids` to it.
    pub fn spawn_identity(self: &Arc<Self>, ids: Arc<IdGenerator>) -> JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(IDENTITY_RENEW_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let lease = me.lease();
                match me.kv.renew(&lease, IDENTITY_TTL).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let preferred = machine_of(&lease);
                        match lease_machine_id(me.kv.as_ref(), preferred, &me.node_id).await {
                            Ok(new) => {
                                let id = machine_of(&new);
                                tracing::warn!(
                                    lost = preferred,
                                    now = id,
                                    "the machine-id lease was lost; leased again"
                                );
                                ids.set_machine_id(id);
                                *me.identity.lock().unwrap_or_else(PoisonError::into_inner) = new;
                            }
                            Err(e) => tracing::error!(error = %e, "cannot lease a machine id"),
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot renew the machine-id lease"),
                }
            }
        })
    }

    /// Hands the machine id back (a graceful stop), so a restarting node can take it at once.
    pub async fn release(&self) {
        let lease = self.lease();
        if let Err(e) = self.kv.release(&lease).await {
            tracing::warn!(error = %e, "cannot release the machine-id lease");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nodes_lease_distinct_machine_ids_and_take_a_released_one_back() {
        let kv = kv::MemoryKv::new();
        let a = lease_machine_id(&kv, 1, "a").await.expect("a");
        let b = lease_machine_id(&kv, 1, "b").await.expect("b");
        let c = lease_machine_id(&kv, u16::MAX, "c").await.expect("c");
        assert_eq!((machine_of(&a), machine_of(&b)), (1, 2));
        assert_eq!(machine_of(&c), u16::MAX);
        let d = lease_machine_id(&kv, u16::MAX, "d").await.expect("d");
        assert_eq!(machine_of(&d), 0, "wraps around");
        assert!(kv::Kv::release(&kv, &a).await.expect("release"));
        let e = lease_machine_id(&kv, 1, "e").await.expect("e");
        assert_eq!(machine_of(&e), 1);
    }
}
