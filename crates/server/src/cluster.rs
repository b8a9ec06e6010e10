//! The node's place in a cluster: its bus and kv (NATS and Redis, or in process when embedded),
//! its node id, and the machine id it leases ([`api::identity`]) so that generated ids never
//! collide across nodes.

use std::sync::Arc;
use std::time::Duration;

use api::identity::MachineLease;
use api::ids::IdGenerator;
use tokio::task::JoinHandle;

use crate::StartError;
use crate::config::Config;

/// The node's cluster parts.
pub struct Cluster {
    /// Messaging (NATS, or in process).
    pub bus: Arc<dyn bus::Bus>,
    /// Shared fast state (Redis, or in memory).
    pub kv: Arc<dyn kv::Kv>,
    /// This node's id (random per start): the holder of its leases.
    pub node_id: String,
    /// Whether this node is one of a cluster (not the embedded default).
    pub shared: bool,
    identity: Arc<MachineLease>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_id", &self.node_id)
            .field("machine_id", &self.machine_id())
            .finish_non_exhaustive()
    }
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
        let identity = MachineLease::acquire(kv.clone(), config.node.machine_id, &node_id)
            .await
            .map_err(|e| StartError::Config(format!("machine id: {e}")))?;
        tracing::info!(
            node = %node_id,
            machine_id = identity.machine_id(),
            bus = bus.backend_name(),
            kv = kv.backend_name(),
            "node identity"
        );
        Ok(Self {
            bus,
            kv,
            node_id,
            shared: config.is_cluster(),
            identity: Arc::new(identity),
        })
    }

    /// The machine id this node holds.
    pub fn machine_id(&self) -> u16 {
        self.identity.machine_id()
    }

    /// Keeps the machine-id lease (see [`MachineLease::spawn_renewal`]).
    pub fn spawn_identity(&self, ids: Arc<IdGenerator>) -> JoinHandle<()> {
        self.identity.spawn_renewal(ids)
    }

    /// The right to run cluster-wide job `name` with passes every `period` (always, when embedded).
    pub fn leader(&self, name: &str, period: Duration) -> api::leader::Leader {
        if self.shared {
            api::leader::Leader::new(self.kv.clone(), name, &self.node_id, period)
        } else {
            api::leader::Leader::alone()
        }
    }

    /// Hands the machine id back (a graceful stop), so a restarting node can take it at once.
    pub async fn release(&self) {
        self.identity.release().await;
    }
}
