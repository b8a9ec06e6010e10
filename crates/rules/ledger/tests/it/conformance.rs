//! The backend conformance suite, run against the reference `MemoryStore`.

use futures::executor::block_on;
use ledger::MemoryStore;
use ledger::conformance::{self, CASES};

#[test]
fn memory_store_passes_the_whole_suite() {
    block_on(conformance::run_all(|| async { MemoryStore::new() }));
    assert_eq!(CASES.len(), 15, "every case is listed");
}

#[test]
fn differential_many_seeds() {
    for seed in 100..110 {
        block_on(conformance::differential(&MemoryStore::new(), seed, 200));
    }
}

/// The per-case tests a backend gets from the macro, instantiated for the reference store.
mod per_case {
    use futures::executor::block_on;
    use ledger::MemoryStore;

    ledger::ledger_conformance!(block_on, async { MemoryStore::new() });
}

/// The suite must be able to fail: a store with one deliberate defect fails the case that covers
/// it, and the differential test catches it too.
mod mutants {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Mutex;

    use futures::executor::block_on;
    use ledger::conformance;
    use ledger::exec::{self, Writes};
    use ledger::{
        Account, AccountBalance, AccountFilter, AccountId, BatchError, CreateAccountResult,
        CreateTransferResult, LedgerDump, LedgerStore, MemoryLedger, Page, Timestamp, Transfer,
        TransferId,
    };

    #[derive(Clone, Copy, Debug)]
    enum Defect {
        ForgetsFailedIds,
        DropsHistory,
        PagesOldestFirst,
    }

    struct Mutant {
        defect: Defect,
        ledger: Mutex<MemoryLedger>,
    }

    impl Mutant {
        fn new(defect: Defect) -> Self {
            Self {
                defect,
                ledger: Mutex::new(MemoryLedger::new()),
            }
        }

        fn apply(&self, l: &mut MemoryLedger, mut writes: Writes) {
            match self.defect {
                Defect::ForgetsFailedIds => writes.failed.clear(),
                Defect::DropsHistory => writes.history.clear(),
                Defect::PagesOldestFirst => {}
            }
            l.apply(&writes);
        }
    }

    impl LedgerStore for Mutant {
        type Error = BatchError;

        async fn create_accounts(
            &self,
            batch: &[Account],
            now: Timestamp,
        ) -> Result<Vec<CreateAccountResult>, BatchError> {
            let mut l = self.ledger.lock().unwrap();
            let out = exec::create_accounts(&*l, batch, now)?;
            self.apply(&mut l, out.writes);
            Ok(out.results)
        }

        async fn create_transfers(
            &self,
            batch: &[Transfer],
            now: Timestamp,
        ) -> Result<Vec<CreateTransferResult>, BatchError> {
            let mut l = self.ledger.lock().unwrap();
            let out = exec::create_transfers(&*l, batch, now)?;
            self.apply(&mut l, out.writes);
            Ok(out.results)
        }

        async fn expire_pending(
            &self,
            now: Timestamp,
            limit: usize,
        ) -> Result<Vec<TransferId>, BatchError> {
            let mut l = self.ledger.lock().unwrap();
            let out = exec::expire_pending(&*l, now, limit)?;
            self.apply(&mut l, out.writes);
            Ok(out.expired)
        }

        async fn lookup_accounts(&self, ids: &[AccountId]) -> Result<Vec<Account>, BatchError> {
            Ok(self.ledger.lock().unwrap().lookup_accounts(ids))
        }

        async fn lookup_transfers(&self, ids: &[TransferId]) -> Result<Vec<Transfer>, BatchError> {
            Ok(self.ledger.lock().unwrap().lookup_transfers(ids))
        }

        async fn account_transfers(
            &self,
            filter: AccountFilter,
        ) -> Result<Page<Transfer>, BatchError> {
            let mut page = self.ledger.lock().unwrap().account_transfers(&filter);
            if let Defect::PagesOldestFirst = self.defect {
                page.items.reverse();
            }
            Ok(page)
        }

        async fn account_history(
            &self,
            filter: AccountFilter,
        ) -> Result<Page<AccountBalance>, BatchError> {
            Ok(self.ledger.lock().unwrap().account_history(&filter))
        }

        async fn dump(&self) -> Result<LedgerDump, BatchError> {
            Ok(self.ledger.lock().unwrap().dump())
        }
    }

    fn fails(run: impl FnOnce()) -> bool {
        catch_unwind(AssertUnwindSafe(run)).is_err()
    }

    #[test]
    fn each_defect_fails_its_case_and_the_differential_test() {
        let check = |defect: Defect, case: fn(&Mutant) -> bool| {
            assert!(
                case(&Mutant::new(defect)),
                "{defect:?} went unnoticed by its case"
            );
        };
        check(Defect::ForgetsFailedIds, |s| {
            fails(|| block_on(conformance::transfer_validation(s)))
        });
        check(Defect::DropsHistory, |s| {
            fails(|| block_on(conformance::history_and_pages(s)))
        });
        check(Defect::PagesOldestFirst, |s| {
            fails(|| block_on(conformance::history_and_pages(s)))
        });
        for defect in [Defect::ForgetsFailedIds, Defect::DropsHistory] {
            let store = Mutant::new(defect);
            assert!(
                fails(|| block_on(conformance::differential(&store, 1, 200))),
                "{defect:?} passed the differential test"
            );
        }
        // The same store without a defect in the checked path passes.
        assert!(!fails(|| block_on(conformance::two_phase(&Mutant::new(
            Defect::PagesOldestFirst
        )))));
    }
}
