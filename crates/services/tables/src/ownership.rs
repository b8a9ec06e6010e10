//! Which node runs each Guandan table, in a cluster: the holder of the table's lease in the kv
//! (`table:<id>`, with a fencing token). An embedded node leases nothing and resumes every running
//! match at start.
//!
//! Every [`SWEEP_EVERY`] a cluster node:
//! - renews the leases of its tables, and takes one for a table it opened since; a table whose lease
//!   is lost (the node paused past it, or another node holds it) is shut down here at once;
//! - gives back the leases of tables that closed;
//! - takes over orphans: a running match in the database whose table no node holds (its node died,
//!   or stopped and handed it over) is leased and resumed from its match log, so a killed node's
//!   tables run again on another within [`TABLE_LEASE_TTL`] + [`SWEEP_EVERY`].
//!
//! Two owners can never both extend one match: the match log's key (match, action index) lets only
//! one write each action, and the loser's table closes on the failed write.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::TablesState;

/// A table lease's lifetime without renewal.
pub const TABLE_LEASE_TTL: Duration = Duration::from_secs(6);
/// How often leases are renewed and orphans looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// A running match this young is not an orphan yet: its node takes the lease when it opens the
/// table, a few milliseconds before the match can start, and this covers that and clock skew.
const NEW_MATCH_GRACE_MS: i64 = 3_000;

/// The cluster's side of the table service.
pub struct Ownership {
    kv: Arc<dyn kv::Kv>,
    node_id: String,
    held: Mutex<HashMap<String, kv::Lease>>,
}

impl std::fmt::Debug for Ownership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ownership")
            .field("node_id", &self.node_id)
            .finish_non_exhaustive()
    }
}

fn lease_name(table_id: &str) -> String {
    format!("table:{table_id}")
}

impl Ownership {
    /// Table leases in `kv`, held by node `node_id`.
    pub fn new(kv: Arc<dyn kv::Kv>, node_id: impl Into<String>) -> Self {
        Self {
            kv,
            node_id: node_id.into(),
            held: Mutex::new(HashMap::new()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, kv::Lease>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the lease of a table this node just opened (at once, so no other node's sweep takes
    /// its match for an orphan).
    pub(crate) fn claim(self: &Arc<Self>, table_id: &str) {
        let (me, id) = (self.clone(), table_id.to_owned());
        tokio::spawn(async move {
            match me
                .kv
                .acquire(&lease_name(&id), &me.node_id, TABLE_LEASE_TTL)
                .await
            {
                Ok(Some(l)) => {
                    me.held().insert(id, l);
                }
                // Held by another node (impossible for a fresh id), or the kv unreachable: the
                // next sweep settles it.
                Ok(None) => tracing::error!(table = %id, "a new table's lease is held elsewhere"),
                Err(e) => tracing::warn!(table = %id, error = %e, "cannot lease a new table"),
            }
        });
    }

    /// Tables whose lease this node holds.
    pub fn held_tables(&self) -> Vec<String> {
        self.held().keys().cloned().collect()
    }

    /// Gives every lease back (a graceful stop): the other nodes resume the tables at their next
    /// sweep.
    pub async fn release_all(&self) {
        let leases: Vec<kv::Lease> = self.held().drain().map(|(_, l)| l).collect();
        for l in leases {
            if let Err(e) = self.kv.release(&l).await {
                tracing::warn!(error = %e, lease = l.name, "table lease not released");
            }
        }
    }
}

/// One sweep (see the module's documentation).
pub(crate) async fn sweep(state: &TablesState, own: &Ownership, now_ms: i64) {
    let svc = &state.guandan;
    let local: HashSet<String> = svc.table_ids().into_iter().collect();
    // Renew (or take) the leases of local tables.
    for id in &local {
        let lease = own.held().get(id).cloned();
        let kept = match lease {
            Some(l) => own
                .kv
                .renew(&l, TABLE_LEASE_TTL)
                .await
                .map(|ok| ok.then_some(l)),
            None => {
                own.kv
                    .acquire(&lease_name(id), &own.node_id, TABLE_LEASE_TTL)
                    .await
            }
        };
        match kept {
            Ok(Some(l)) => {
                own.held().insert(id.clone(), l);
            }
            Ok(None) => {
                tracing::error!(table = %id, "table lease lost: closing the table here");
                metrics::counter!("guandan_table_leases_lost_total").increment(1);
                own.held().remove(id);
                svc.shutdown_table(id).await;
            }
            // The kv unreachable: keep running; the lease may lapse, and the match log's key
            // keeps a second owner from writing the same action.
            Err(e) => tracing::warn!(table = %id, error = %e, "cannot renew a table lease"),
        }
    }
    // Give back the leases of closed tables.
    let closed: Vec<kv::Lease> = {
        let mut held = own.held();
        let gone: Vec<String> = held
            .keys()
            .filter(|k| !local.contains(*k))
            .cloned()
            .collect();
        gone.iter().filter_map(|k| held.remove(k)).collect()
    };
    for l in closed {
        let _ = own.kv.release(&l).await;
    }
    if svc.is_shutting_down() {
        return;
    }
    // Take over orphans.
    let running = match state.store.running_guandan_matches().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list running guandan matches");
            return;
        }
    };
    for rec in running {
        if local.contains(&rec.table_id) || now_ms - rec.started_at_ms < NEW_MATCH_GRACE_MS {
            continue;
        }
        let Ok(Some(lease)) = own
            .kv
            .acquire(&lease_name(&rec.table_id), &own.node_id, TABLE_LEASE_TTL)
            .await
        else {
            continue;
        };
        let (id, table) = (rec.id, rec.table_id.clone());
        own.held().insert(table.clone(), lease.clone());
        match crate::table::resume(state, rec).await {
            Ok(()) => {
                metrics::counter!("guandan_tables_taken_over_total").increment(1);
                tracing::info!(match_id = id, table = %table, "took over a table from its log");
            }
            Err(e) => {
                tracing::error!(match_id = id, error = %e, "cannot resume guandan table");
                own.held().remove(&table);
                let _ = own.kv.release(&lease).await;
            }
        }
    }
}

/// Runs the sweeps until the task is aborted.
pub(crate) fn spawn(state: TablesState, own: Arc<Ownership>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            sweep(&state, &own, state.auth.clock.now_ms()).await;
        }
    })
}
