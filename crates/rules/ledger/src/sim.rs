//! Seeded random workloads: the differential test's batches, the property tests' inputs and the
//! benchmark's traffic. The generator never looks at results, so the same seed yields the same
//! steps for every backend.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::chart::{AccountKind, TransferKind};
use crate::types::{
    AMOUNT_MAX, Account, AccountFlags, AccountId, Amount, NS_PER_S, Timestamp, Transfer,
    TransferFlags, TransferId,
};

/// Shape of a random workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Accounts created up front (ids `1..=accounts`, ledger 1 or 2).
    pub accounts: u32,
    /// Largest transfer batch.
    pub batch_max: usize,
    /// Share of transfers touching the house account, in parts per million.
    pub hot_ppm: u32,
    /// Whether to mix in invalid, retried, linked, two-phase, balancing and closing events
    /// (off for a clean benchmark stream).
    pub adversarial: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            accounts: 24,
            batch_max: 16,
            hot_ppm: 100_000,
            adversarial: true,
        }
    }
}

/// One operation of a workload, with the time it runs at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimOp {
    Accounts(Vec<Account>),
    Transfers(Vec<Transfer>),
    Expire { limit: usize },
}

/// A step: an operation and its `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimStep {
    pub now: Timestamp,
    pub op: SimOp,
}

/// The house account of generated workloads (ledger 1).
pub const HOUSE: AccountId = 1;
/// Issuance accounts of generated workloads, one per ledger: ledger `l` uses id `ISSUANCE_BASE + l`.
pub const ISSUANCE_BASE: AccountId = 1 << 40;

/// A deterministic stream of steps.
#[derive(Clone, Debug)]
pub struct Simulator {
    rng: ChaCha20Rng,
    config: SimConfig,
    now: Timestamp,
    next_id: TransferId,
    /// Transfers sent so far (capped), for retries and post/void targets.
    sent: Vec<Transfer>,
    pendings: Vec<TransferId>,
    setup_done: u8,
}

const SENT_KEPT_MAX: usize = 4_096;
const START_NS: Timestamp = 1_700_000_000 * NS_PER_S;

impl Simulator {
    /// A simulator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64, config: SimConfig) -> Self {
        Self {
            rng: ChaCha20Rng::seed_from_u64(seed),
            config: SimConfig {
                accounts: config.accounts.max(3),
                batch_max: config.batch_max.max(1),
                ..config
            },
            now: START_NS,
            next_id: 1,
            sent: Vec::new(),
            pendings: Vec::new(),
            setup_done: 0,
        }
    }

    /// The ledger of generated account `id` (house and ids below 4 are ledger 1).
    #[must_use]
    pub fn ledger_of(&self, id: AccountId) -> u32 {
        if id >= ISSUANCE_BASE {
            return u32::try_from(id - ISSUANCE_BASE).unwrap_or(1);
        }
        if id <= 3 || !id.is_multiple_of(5) {
            1
        } else {
            2
        }
    }

    /// The accounts every workload starts with.
    #[must_use]
    pub fn accounts(&self) -> Vec<Account> {
        let mut out = vec![
            AccountKind::Issuance.account(ISSUANCE_BASE + 1, 1),
            AccountKind::Issuance.account(ISSUANCE_BASE + 2, 2),
        ];
        for id in 1..=AccountId::from(self.config.accounts) {
            let ledger = self.ledger_of(id);
            let account = match id {
                HOUSE => AccountKind::House.account(id, ledger),
                // A few accounts that may only receive what they were debited (refund targets).
                _ if id % 11 == 0 => Account::new(
                    id,
                    ledger,
                    AccountKind::Rake.code(),
                    AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS,
                ),
                _ if id % 7 == 0 => AccountKind::GameEscrow.account(id, ledger),
                _ => AccountKind::PlayerWallet.account(id, ledger),
            };
            out.push(account);
        }
        out
    }

    /// The next step.
    pub fn step(&mut self) -> SimStep {
        self.now += self.rng.random_range(0..2 * NS_PER_S);
        let op = match self.setup_done {
            0 => {
                self.setup_done = 1;
                let mut accounts = self.accounts();
                if self.config.adversarial {
                    // A retry and an invalid request ride along with the real ones.
                    accounts.push(accounts[2]);
                    accounts.push(Account::new(0, 1, 2, AccountFlags::NONE));
                }
                SimOp::Accounts(accounts)
            }
            1 => {
                self.setup_done = 2;
                SimOp::Transfers(self.funding())
            }
            _ if self.config.adversarial && self.rng.random_ratio(1, 10) => SimOp::Expire {
                limit: self.rng.random_range(1..=8),
            },
            _ => {
                let len = self.rng.random_range(1..=self.config.batch_max);
                SimOp::Transfers((0..len).map(|_| self.transfer()).collect())
            }
        };
        SimStep { now: self.now, op }
    }

    fn funding(&mut self) -> Vec<Transfer> {
        (1..=AccountId::from(self.config.accounts))
            .filter(|id| *id % 11 != 0)
            .map(|id| {
                let ledger = self.ledger_of(id);
                let t = TransferKind::Grant.transfer(
                    self.fresh_id(),
                    ISSUANCE_BASE + AccountId::from(ledger),
                    id,
                    100_000,
                    ledger,
                );
                self.remember(t);
                t
            })
            .collect()
    }

    fn fresh_id(&mut self) -> TransferId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn remember(&mut self, t: Transfer) {
        if self.sent.len() == SENT_KEPT_MAX {
            self.sent
                .swap_remove(self.rng.random_range(0..SENT_KEPT_MAX));
        }
        self.sent.push(t);
        if t.flags.contains(TransferFlags::PENDING) {
            if self.pendings.len() == SENT_KEPT_MAX {
                self.pendings.swap_remove(0);
            }
            self.pendings.push(t.id);
        }
    }

    fn account(&mut self) -> AccountId {
        self.rng
            .random_range(1..=AccountId::from(self.config.accounts))
    }

    fn account_in(&mut self, ledger: u32, not: AccountId) -> AccountId {
        for _ in 0..16 {
            let id = self.account();
            if id != not && self.ledger_of(id) == ledger {
                return id;
            }
        }
        if not == HOUSE { 2 } else { HOUSE }
    }

    fn amount(&mut self) -> Amount {
        match self.rng.random_range(0..100) {
            0 => 0,
            1..=79 => self.rng.random_range(1..=2_000),
            80..=97 => self.rng.random_range(2_000..=60_000),
            _ => self.rng.random_range(60_000..=300_000),
        }
    }

    /// One random transfer request.
    pub fn transfer(&mut self) -> Transfer {
        let mut t = if self.config.adversarial {
            self.adversarial_transfer()
        } else {
            self.plain_transfer()
        };
        if self.config.adversarial && self.rng.random_ratio(1, 6) {
            t.flags = t.flags.with(TransferFlags::LINKED);
        }
        self.remember(t);
        t
    }

    fn plain_transfer(&mut self) -> Transfer {
        let id = self.fresh_id();
        let hot = self.rng.random_range(0..1_000_000) < self.config.hot_ppm;
        let (debit, credit) = if hot {
            let player = self.account_in(1, HOUSE);
            if self.rng.random_bool(0.5) {
                (player, HOUSE)
            } else {
                (HOUSE, player)
            }
        } else {
            let debit = self.account();
            let ledger = self.ledger_of(debit);
            (debit, self.account_in(ledger, debit))
        };
        let ledger = self.ledger_of(debit);
        let amount = self.rng.random_range(1..=500);
        TransferKind::Bet.transfer(id, debit, credit, amount, ledger)
    }

    fn adversarial_transfer(&mut self) -> Transfer {
        match self.rng.random_range(0..100) {
            0..=44 => {
                let mut t = self.plain_transfer();
                t.amount = self.amount();
                t.user_data_64 = self.rng.random_range(0..3);
                t
            }
            45..=59 => {
                let mut t = self.plain_transfer();
                t.amount = self.amount();
                t.flags = TransferFlags::PENDING;
                t.timeout = if self.rng.random_bool(0.5) {
                    0
                } else {
                    self.rng.random_range(1..=6)
                };
                if self.rng.random_ratio(1, 25) {
                    t.flags = t.flags.with(if self.rng.random_bool(0.5) {
                        TransferFlags::CLOSING_DEBIT
                    } else {
                        TransferFlags::CLOSING_CREDIT
                    });
                }
                t
            }
            60..=71 => {
                let pending_id = self.pending_target();
                let amount = match self.rng.random_range(0..4) {
                    0 => AMOUNT_MAX,
                    1 => 0,
                    _ => self.amount(),
                };
                let mut t = Transfer::post(self.fresh_id(), pending_id, amount);
                if self.rng.random_ratio(1, 10) {
                    t.debit_account_id = self.account();
                }
                t
            }
            72..=79 => {
                let pending_id = self.pending_target();
                let mut t = Transfer::void(self.fresh_id(), pending_id);
                if self.rng.random_ratio(1, 8) {
                    t.amount = self.amount();
                }
                t
            }
            80..=87 if !self.sent.is_empty() => {
                // A retry, sometimes with one field changed.
                let mut t = self.sent[self.rng.random_range(0..self.sent.len())];
                t.timestamp = 0;
                t.flags = t.flags.without(TransferFlags::LINKED);
                match self.rng.random_range(0..8) {
                    0 => t.amount = t.amount.wrapping_add(1),
                    1 => t.user_data_32 = 9,
                    2 => t.code = t.code.wrapping_add(1),
                    3 => t.credit_account_id = self.account(),
                    _ => {}
                }
                t
            }
            88..=91 => {
                let mut t = self.plain_transfer();
                t.amount = if self.rng.random_bool(0.5) {
                    AMOUNT_MAX
                } else {
                    self.amount()
                };
                t.flags = if self.rng.random_bool(0.7) {
                    TransferFlags::BALANCING_DEBIT
                } else {
                    TransferFlags::BALANCING_CREDIT
                };
                t
            }
            _ => self.invalid_transfer(),
        }
    }

    fn pending_target(&mut self) -> TransferId {
        if self.pendings.is_empty() || self.rng.random_ratio(1, 12) {
            return self.rng.random_range(1..self.next_id.max(2));
        }
        let recent = self.pendings.len().min(64);
        self.pendings[self.pendings.len() - 1 - self.rng.random_range(0..recent)]
    }

    fn invalid_transfer(&mut self) -> Transfer {
        let mut t = self.plain_transfer();
        match self.rng.random_range(0..12) {
            0 => t.id = 0,
            1 => t.flags = TransferFlags(1 << 12),
            2 => t.debit_account_id = 999_999,
            3 => t.credit_account_id = t.debit_account_id,
            4 => t.ledger = if t.ledger == 1 { 2 } else { 1 },
            5 => t.credit_account_id = self.account(),
            6 => t.timeout = 5,
            7 => t.timestamp = 1,
            8 => t.pending_id = 3,
            9 => t.amount = AMOUNT_MAX - 1,
            10 => t.code = 0,
            _ => t.flags = TransferFlags::PENDING | TransferFlags::POST_PENDING,
        }
        t
    }
}
