//! A node's machine id, leased in the kv so that no two nodes of a cluster generate ids with the
//! same one (an embedded node's in-memory kv always grants the configured id).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::ids::IdGenerator;

/// How long a machine-id lease lasts without renewal.
pub const IDENTITY_TTL: Duration = Duration::from_secs(30);
/// How often it is renewed.
pub const IDENTITY_RENEW_EVERY: Duration = Duration::from_secs(5);

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

/// The machine id a node holds, and its lease.
pub struct MachineLease {
    kv: Arc<dyn kv::Kv>,
    node_id: String,
    lease: Mutex<kv::Lease>,
}

impl std::fmt::Debug for MachineLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineLease")
            .field("machine_id", &self.machine_id())
            .finish_non_exhaustive()
    }
}

impl MachineLease {
    /// Leases a free machine id for node `node_id`, `preferred` first, then the next ones.
    pub async fn acquire(
        kv: Arc<dyn kv::Kv>,
        preferred: u16,
        node_id: &str,
    ) -> Result<Self, kv::KvError> {
        let lease = lease_machine_id(kv.as_ref(), preferred, node_id).await?;
        Ok(Self {
            kv,
            node_id: node_id.to_owned(),
            lease: Mutex::new(lease),
        })
    }

    /// The machine id held.
    pub fn machine_id(&self) -> u16 {
        machine_of(&self.lease())
    }

    fn lease(&self) -> kv::Lease {
        self.lease
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps the lease: renews it, and should it be lost (the kv unreachable for longer than its
    /// lifetime), takes it back or leases another id and switches `ids` to it.
    pub fn spawn_renewal(self: &Arc<Self>, ids: Arc<IdGenerator>) -> JoinHandle<()> {
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
                                *me.lease.lock().unwrap_or_else(PoisonError::into_inner) = new;
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
        if let Err(e) = self.kv.release(&self.lease()).await {
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
