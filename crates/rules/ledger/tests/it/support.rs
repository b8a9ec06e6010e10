//! Shared helpers: running the simulator against a `MemoryLedger`.

use ledger::sim::{SimConfig, SimOp, Simulator};
use ledger::{CreateTransferResult, MemoryLedger};

/// Every transfer batch a run executed, with its results.
pub type Batches = Vec<(Vec<ledger::Transfer>, Vec<CreateTransferResult>)>;

/// Runs `steps` simulator steps; returns the ledger and every transfer batch with its results.
pub fn run_sim(seed: u64, steps: usize, config: SimConfig) -> (MemoryLedger, Batches) {
    let mut sim = Simulator::new(seed, config);
    let mut ledger = MemoryLedger::new();
    let mut batches = Vec::new();
    for _ in 0..steps {
        let step = sim.step();
        match step.op {
            SimOp::Accounts(batch) => {
                ledger
                    .create_accounts(&batch, step.now)
                    .expect("accounts batch");
            }
            SimOp::Transfers(batch) => {
                let results = ledger
                    .create_transfers(&batch, step.now)
                    .expect("transfers batch");
                batches.push((batch, results));
            }
            SimOp::Expire { limit } => {
                ledger.expire_pending(step.now, limit).expect("expire");
            }
        }
    }
    (ledger, batches)
}
