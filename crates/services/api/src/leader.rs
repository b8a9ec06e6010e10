//! One node of a cluster at a time: a job that must run once per cluster (the idle-round sweep)
//! asks its [`Leader`] before each pass. The first node to take the job's lease in the kv runs it
//! and renews the lease on every pass; the others skip their passes until it stops renewing (a node
//! that died or stopped), then one of them takes over. An embedded node is always the leader.

use std::sync::Arc;
use std::time::Duration;

/// The right to run one cluster-wide job.
pub struct Leader {
    kv: Option<Arc<dyn kv::Kv>>,
    name: String,
    holder: String,
    ttl: Duration,
    held: Option<kv::Lease>,
}

impl std::fmt::Debug for Leader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leader")
            .field("name", &self.name)
            .field("held", &self.held.is_some())
            .finish_non_exhaustive()
    }
}

impl Leader {
    /// Job `name` in a cluster's `kv`, run by node `holder`; a pass happens at least every
    /// `period`, and leadership moves on when the leader misses three.
    pub fn new(kv: Arc<dyn kv::Kv>, name: &str, holder: &str, period: Duration) -> Self {
        Self {
            kv: Some(kv),
            name: format!("job:{name}"),
            holder: holder.to_owned(),
            ttl: (period * 3).max(Duration::from_secs(1)),
            held: None,
        }
    }

    /// An embedded node's: always the leader.
    pub fn alone() -> Self {
        Self {
            kv: None,
            name: String::new(),
            holder: String::new(),
            ttl: Duration::ZERO,
            held: None,
        }
    }

    /// Whether this node runs the job's next pass (takes or renews the lease). The kv unreachable
    /// means no: better a pass late than run twice.
    pub async fn lead(&mut self) -> bool {
        let Some(kv) = self.kv.as_ref() else {
            return true;
        };
        if let Some(lease) = &self.held {
            match kv.renew(lease, self.ttl).await {
                Ok(true) => return true,
                Ok(false) => {
                    tracing::info!(job = self.name, "job lease lost");
                    self.held = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, job = self.name, "cannot renew a job lease");
                    return false;
                }
            }
        }
        match kv.acquire(&self.name, &self.holder, self.ttl).await {
            Ok(Some(lease)) => {
                tracing::info!(job = self.name, "this node runs the job");
                self.held = Some(lease);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, job = self.name, "cannot take a job lease");
                false
            }
        }
    }

    /// Hands the job over (a graceful stop).
    pub async fn step_down(&mut self) {
        if let (Some(kv), Some(lease)) = (self.kv.as_ref(), self.held.take())
            && let Err(e) = kv.release(&lease).await
        {
            tracing::debug!(error = %e, "job lease not released");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_node_leads_and_another_takes_over_when_it_stops_renewing() {
        let kv: Arc<dyn kv::Kv> = Arc::new(kv::MemoryKv::new());
        let period = Duration::from_secs(1);
        let mut a = Leader::new(kv.clone(), "sweep", "a", period);
        let mut b = Leader::new(kv.clone(), "sweep", "b", period);
        assert!(a.lead().await);
        assert!(!b.lead().await);
        assert!(a.lead().await, "renews");
        // a stops renewing (dead): b takes over once the lease lapses.
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!b.lead().await);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(b.lead().await);
        assert!(!a.lead().await, "the old leader learns it lost the job");
        b.step_down().await;
        assert!(a.lead().await, "a graceful hand-over is immediate");
        assert!(Leader::alone().lead().await);
    }
}
