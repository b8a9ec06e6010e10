//! The engine: on one node (the `compete` job lease), the live contests' boards and the missions'
//! progress, fed by the durable event stream.
//!
//! **Exactly once.** Every fact a contest counts or excludes is recorded in `compete_facts` under
//! a unique `(contest, fact id)`, in one transaction per batch, before the batch's deliveries are
//! acknowledged. A fact seen again (a redelivery, a repeated operator event) finds its id taken:
//! the contest's board is then rebuilt from its recorded facts, so it counted the fact once. A
//! failed write rebuilds the touched boards and asks for a redelivery. A new leader replays every
//! live contest's recorded facts in log order, which gives the same boards (the board is a
//! function of the facts and their log order).
//!
//! **Places.** After each batch every player whose entry changed gets their place written to the
//! kv's sorted set of the contest (a member encoding the tie-breaks, `compete::board::Place`) and
//! to `compete_standings` (the full standings in the database), so any node answers ranks.
//!
//! **The end.** A contest is finalised [`FINALISE_GRACE`] after its end (events of bets settled
//! before the end are still on their way): its pool is funded, entry fees are posted, the
//! immutable result is stored, and its prizes are paid through the ledger (or offered to claim).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use compete::board::{Board, Outcome};
use compete::def::{Definition, Kind};
use compete::mission::Progress;
use compete::{Fact, Grant, UserId};
use ledger::CreateTransferResult;
use serde_json::json;
use store::compete::{ContestRow, NewFact, RewardRow};

use crate::{ContestsState, NOTE_SUBJECT, standings_set};

/// How long after its end a contest is finalised.
pub const FINALISE_GRACE: Duration = Duration::from_secs(2);
/// Deliveries scored per batch at most.
pub const BATCH: usize = 512;
/// How often the engine re-reads the contests' definitions.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);
/// How often a running contest's top is snapshotted.
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(30);
/// Rows in a snapshot and in a result's standings.
pub const SNAPSHOT_ROWS: usize = 100;
/// How far before a reload a fact may have happened and still be sure to find the contests
/// created before it (clock skew between nodes).
pub const RELOAD_SKEW_MS: i64 = 1_000;
/// The durable consumer's name.
pub const CONSUMER: &str = "compete";
/// The job lease's period.
pub const LEASE_PERIOD: Duration = Duration::from_secs(1);

/// A note to the engine from any node.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Note {
    /// A player joined an opt-in contest.
    Joined {
        /// The contest.
        contest: String,
        /// The player.
        user: UserId,
    },
    /// An admin asked to finalise an ended contest now.
    Finalise {
        /// The contest.
        contest: String,
    },
    /// A definition changed or a contest was created or cancelled.
    Changed,
}

struct Live {
    row: ContestRow,
    def: Definition,
    board: Option<Board>,
    /// Each player's current score and member in the kv set.
    members: HashMap<UserId, (i64, String)>,
    last_snapshot_ms: i64,
}

/// The engine's state on the leading node.
pub struct Engine {
    state: ContestsState,
    live: BTreeMap<String, Live>,
    progress: HashMap<(String, UserId), Progress>,
    consumer: Option<Box<dyn bus::Consumer>>,
    notes: Option<bus::Subscription>,
    last_reload_ms: i64,
    last_entry_sync_ms: i64,
    finalise_now: BTreeSet<String>,
}

/// Runs the engine while this node holds the `compete` lease.
pub fn spawn(state: ContestsState, mut leader: api::leader::Leader) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut engine = Engine::new(state);
        loop {
            if leader.lead().await {
                if let Err(e) = engine.step().await {
                    metrics::counter!("compete_engine_failures_total").increment(1);
                    tracing::warn!(error = %e, "compete engine step failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            } else {
                engine.reset();
                tokio::time::sleep(LEASE_PERIOD / 2).await;
            }
        }
    })
}

fn store_err(e: store::StoreError) -> String {
    e.to_string()
}

impl Engine {
    /// An engine with nothing loaded.
    #[must_use]
    pub fn new(state: ContestsState) -> Self {
        Self {
            state,
            live: BTreeMap::new(),
            progress: HashMap::new(),
            consumer: None,
            notes: None,
            last_reload_ms: i64::MIN,
            last_entry_sync_ms: i64::MIN,
            finalise_now: BTreeSet::new(),
        }
    }

    /// Forgets everything (leadership lost): the next leader rebuilds from the database.
    pub fn reset(&mut self) {
        self.live.clear();
        self.progress.clear();
        self.consumer = None;
        self.notes = None;
        self.last_reload_ms = i64::MIN;
        self.last_entry_sync_ms = i64::MIN;
    }

    fn now(&self) -> i64 {
        self.state.auth.clock.now_ms()
    }

    /// One round: notes, reload, a batch of events, then finalisation, payments and snapshots.
    pub async fn step(&mut self) -> Result<(), String> {
        if self.notes.is_none() {
            self.notes = Some(
                self.state
                    .bus
                    .subscribe(NOTE_SUBJECT)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        self.read_notes().await?;
        let now = self.now();
        if now.saturating_sub(self.last_reload_ms) >= RELOAD_EVERY.as_millis() as i64 {
            self.reload().await?;
            self.last_reload_ms = now;
        }

        if now.saturating_sub(self.last_entry_sync_ms) >= 10_000 {
            self.sync_entries().await?;
            self.last_entry_sync_ms = now;
        }
        self.pump().await?;
        self.finalise_due().await?;
        self.pay_due().await?;
        self.snapshot_due().await?;
        Ok(())
    }

    async fn read_notes(&mut self) -> Result<(), String> {
        let mut notes = Vec::new();
        if let Some(sub) = self.notes.as_mut() {
            while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(0), sub.next()).await
            {
                if let Ok(n) = serde_json::from_slice::<Note>(&m.payload) {
                    notes.push(n);
                }
            }
        }
        for n in notes {
            match n {
                Note::Joined { contest, user } => {
                    if let Some(l) = self.live.get_mut(&contest)
                        && let Some(b) = l.board.as_mut()
                        && !b.has(user)
                    {
                        b.join(user);
                        if let Some(p) = b.place(user) {
                            let set = standings_set(&contest);
                            self.state
                                .kv
                                .zreplace(&set, None, &p.member, p.score)
                                .await
                                .map_err(|e| e.to_string())?;
                            self.state
                                .store
                                .compete()
                                .upsert_standings(&[(
                                    contest.clone(),
                                    user,
                                    p.score,
                                    0,
                                    p.member.clone(),
                                )])
                                .await
                                .map_err(store_err)?;
                            l.members.insert(user, (p.score, p.member));
                        }
                    }
                }
                Note::Finalise { contest } => {
                    self.finalise_now.insert(contest);
                }
                Note::Changed => self.last_reload_ms = i64::MIN,
            }
        }
        Ok(())
    }

    /// Loads contests that are new or changed, drops finished ones.
    async fn reload(&mut self) -> Result<(), String> {
        let rows = self
            .state
            .store
            .compete()
            .contests()
            .await
            .map_err(store_err)?;
        let mut seen = BTreeSet::new();
        for row in rows {
            seen.insert(row.id.clone());
            if row.status == "cancelled" {
                self.live.remove(&row.id);
                continue;
            }
            let fresh = match self.live.get(&row.id) {
                Some(l) => l.row.version != row.version || l.row.status != row.status,
                None => true,
            };
            if !fresh {
                continue;
            }
            let Ok(def) = compete::def::parse(&row.source) else {
                tracing::warn!(contest = %row.id, "stored definition does not load; skipped");
                continue;
            };
            let live = self.load(row, def).await?;
            self.live.insert(live.row.id.clone(), live);
        }
        self.live.retain(|id, _| seen.contains(id));
        Ok(())
    }

    /// A contest's board, rebuilt from its entries and recorded facts.
    async fn load(&mut self, row: ContestRow, def: Definition) -> Result<Live, String> {
        let store = self.state.store.clone();
        let c = store.compete();
        let mut board = Board::new(&def);
        if let Some(b) = board.as_mut() {
            for (user, _) in c.entries(&row.id).await.map_err(store_err)? {
                b.join(user);
            }
            let mut after = 0;
            loop {
                let facts = c.facts(&row.id, after, 10_000).await.map_err(store_err)?;
                let Some(last) = facts.last() else { break };
                after = last.seq;
                for f in &facts {
                    if let Ok(fact) = serde_json::from_str::<Fact>(&f.body) {
                        b.apply(&fact);
                    }
                }
            }
        }
        let mut members = HashMap::new();
        if let Some(b) = &board {
            let set = standings_set(&row.id);
            // What the database (and so the kv, written with it) holds now.
            let mut stored: HashMap<UserId, (i64, String)> = HashMap::new();
            let mut offset = 0;
            loop {
                let page = c
                    .standings(&row.id, offset, 10_000)
                    .await
                    .map_err(store_err)?;
                if page.is_empty() {
                    break;
                }
                offset += page.len() as i64;
                for (user, score, _, member) in page {
                    stored.insert(user, (score, member));
                }
            }
            let mut rows = Vec::new();
            for r in b.rows() {
                let Some(p) = b.place(r.user_id) else {
                    continue;
                };
                let old = stored.get(&r.user_id);
                if old.is_none_or(|(s, m)| *s != p.score || *m != p.member) {
                    // A new leader rewrites what an older one left behind.
                    self.state
                        .kv
                        .zreplace(&set, old.map(|(_, m)| m.as_str()), &p.member, p.score)
                        .await
                        .map_err(|e| e.to_string())?;
                    let rounds = b.entry(r.user_id).map_or(0, |e| i64::from(e.rounds));
                    rows.push((row.id.clone(), r.user_id, p.score, rounds, p.member.clone()));
                }
                members.insert(r.user_id, (p.score, p.member));
            }
            for chunk in rows.chunks(1_000) {
                c.upsert_standings(chunk).await.map_err(store_err)?;
            }
        }
        Ok(Live {
            row,
            def,
            board,
            members,
            last_snapshot_ms: i64::MIN,
        })
    }

    async fn sync_entries(&mut self) -> Result<(), String> {
        let c = self.state.store.compete();
        let ids: Vec<String> = self
            .live
            .iter()
            .filter(|(_, l)| l.def.join == compete::def::Join::OptIn && l.row.status == "scheduled")
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let entries = c.entries(&id).await.map_err(store_err)?;
            if let Some(l) = self.live.get_mut(&id)
                && let Some(b) = l.board.as_mut()
            {
                for (user, _) in entries {
                    if !b.has(user) {
                        b.join(user);
                    }
                }
            }
        }
        Ok(())
    }

    /// Scores batches until none is waiting (a bench's setup; a leader catching up).
    ///
    /// # Errors
    /// A bus, store or kv failure.
    pub async fn drain(&mut self) -> Result<(), String> {
        while self.pump().await? > 0 {}
        Ok(())
    }

    /// Scores one batch of deliveries; how many there were.
    async fn pump(&mut self) -> Result<usize, String> {
        if self.consumer.is_none() {
            let spec = bus::ConsumerSpec {
                name: CONSUMER.into(),
                filter: "events.>".into(),
                ack_wait: Duration::from_secs(30),
                max_deliver: 10,
            };
            self.consumer = Some(
                self.state
                    .bus
                    .consume(&spec)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        let Some(consumer) = self.consumer.as_mut() else {
            return Ok(0);
        };
        let mut deliveries = Vec::new();
        let mut wait = Duration::from_millis(100);
        while deliveries.len() < BATCH {
            match tokio::time::timeout(wait, consumer.next()).await {
                Ok(Ok(d)) => deliveries.push(d),
                Ok(Err(e)) => {
                    self.consumer = None;
                    if deliveries.is_empty() {
                        return Err(e.to_string());
                    }
                    break;
                }
                Err(_) => break,
            }
            wait = Duration::from_millis(2);
        }
        if deliveries.is_empty() {
            return Ok(0);
        }
        let count = deliveries.len();
        let facts: Vec<Fact> = deliveries
            .iter()
            .flat_map(|d| compete::event::facts(&d.event.kind, &d.event.id, &d.event.payload))
            .collect();
        // A contest created before a fact happened must see it: when the batch holds a fact from
        // less than a second before the last reload began (or later), reload first.
        let newest = facts.iter().map(|f| f.at_ms).max().unwrap_or(i64::MIN);
        if newest >= self.last_reload_ms.saturating_sub(RELOAD_SKEW_MS) {
            let started = self.now();
            if let Err(e) = self.reload().await {
                for d in deliveries {
                    let _ = d.nak().await;
                }
                return Err(e);
            }
            self.last_reload_ms = started;
        }
        match self.score(&facts).await {
            Ok(()) => {
                // Acknowledged together: one round trip's wait, not one per event.
                for r in
                    futures::future::join_all(deliveries.into_iter().map(bus::Delivery::ack)).await
                {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "ack failed: the event comes again and is a duplicate");
                    }
                }
                Ok(count)
            }
            Err(e) => {
                futures::future::join_all(deliveries.into_iter().map(bus::Delivery::nak)).await;
                Err(e)
            }
        }
    }

    /// Scores facts against every live contest and mission, exactly once each.
    pub async fn score(&mut self, facts: &[Fact]) -> Result<(), String> {
        if facts.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut rows: Vec<NewFact> = Vec::new();
        let mut touched: BTreeSet<(String, UserId)> = BTreeSet::new();
        let mut mission_facts: Vec<(String, usize)> = Vec::new();
        for (fi, fact) in facts.iter().enumerate() {
            let body = serde_json::to_string(fact).map_err(|e| e.to_string())?;
            for (id, l) in &mut self.live {
                if l.row.status != "scheduled" {
                    continue;
                }
                match (&mut l.board, &l.def.mission) {
                    (Some(board), _) => {
                        let outcome = board.apply(fact);
                        let text = match outcome {
                            Outcome::Ignored => continue,
                            Outcome::Counted { .. } => "counted".to_owned(),
                            Outcome::Excluded(x) => format!("excluded:{}", x.as_str()),
                        };
                        touched.insert((id.clone(), fact.user_id));
                        rows.push(NewFact {
                            contest_id: id.clone(),
                            fact_id: fact.id.clone(),
                            user_id: fact.user_id,
                            at_ms: fact.at_ms,
                            outcome: text,
                            body: body.clone(),
                        });
                    }
                    (None, Some(m)) => {
                        if let Some((start, end)) = l.def.window
                            && (fact.at_ms < start || fact.at_ms >= end)
                        {
                            continue;
                        }
                        if m.stages.iter().any(|s| s.condition.counts(fact) > 0) {
                            mission_facts.push((id.clone(), fi));
                            rows.push(NewFact {
                                contest_id: id.clone(),
                                fact_id: fact.id.clone(),
                                user_id: fact.user_id,
                                at_ms: fact.at_ms,
                                outcome: "counted".into(),
                                body: body.clone(),
                            });
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        let store = self.state.store.clone();
        let c = store.compete();
        let fresh = match c.record_facts(&rows).await {
            Ok(f) => f,
            Err(e) => {
                // The boards counted what the database did not keep: rebuild them.
                let ids: BTreeSet<String> = touched.iter().map(|(c, _)| c.clone()).collect();
                self.rebuild(&ids).await?;
                return Err(store_err(e));
            }
        };
        let stale: BTreeSet<String> = rows
            .iter()
            .zip(&fresh)
            .filter(|(r, new)| {
                !**new
                    && self
                        .live
                        .get(&r.contest_id)
                        .is_some_and(|l| l.board.is_some())
            })
            .map(|(r, _)| r.contest_id.clone())
            .collect();
        if !stale.is_empty() {
            metrics::counter!("compete_duplicate_facts_total").increment(stale.len() as u64);
            self.rebuild(&stale).await?;
        }
        // Missions: only facts that were new.
        let new_ids: BTreeSet<(String, String)> = rows
            .iter()
            .zip(&fresh)
            .filter(|(_, new)| **new)
            .map(|(r, _)| (r.contest_id.clone(), r.fact_id.clone()))
            .collect();
        let mut progress_rows = Vec::new();
        for (mission, fi) in mission_facts {
            let fact = &facts[fi];
            if !new_ids.contains(&(mission.clone(), fact.id.clone())) {
                continue;
            }
            let key = (mission.clone(), fact.user_id);
            if !self.progress.contains_key(&key) {
                let p = self
                    .replay_progress(&mission, fact.user_id, Some(&fact.id))
                    .await?;
                self.progress.insert(key.clone(), p);
            }
            let Some(l) = self.live.get(&mission) else {
                continue;
            };
            let Some(m) = &l.def.mission else { continue };
            let Some(p) = self.progress.get_mut(&key) else {
                continue;
            };
            let done = m.apply(p, fact);
            let json = serde_json::to_string(&*p).map_err(|e| e.to_string())?;
            progress_rows.push((mission.clone(), fact.user_id, json));
            for d in done {
                store_stage_rewards(c, &mission, fact.user_id, &d, now).await?;
            }
        }
        c.set_progress(&progress_rows).await.map_err(store_err)?;
        self.publish_places(&touched).await
    }

    /// A player's mission progress, replayed from the facts recorded for the mission (`skip`:
    /// a fact just recorded, applied by the caller). Replays also (re)create the rewards of the
    /// stages done, which are stored once by their ids.
    async fn replay_progress(
        &mut self,
        mission: &str,
        user: UserId,
        skip: Option<&str>,
    ) -> Result<Progress, String> {
        let store = self.state.store.clone();
        let c = store.compete();
        let mut p = Progress::default();
        let Some(m) = self.live.get(mission).and_then(|l| l.def.mission.as_ref()) else {
            return Ok(p);
        };
        let facts = c
            .user_facts(mission, user, 100_000)
            .await
            .map_err(store_err)?;
        let now = self.now();
        for f in facts {
            if Some(f.fact_id.as_str()) == skip {
                continue;
            }
            if let Ok(fact) = serde_json::from_str::<Fact>(&f.body) {
                for d in m.apply(&mut p, &fact) {
                    store_stage_rewards(c, mission, user, &d, now).await?;
                }
            }
        }
        Ok(p)
    }

    async fn rebuild(&mut self, ids: &BTreeSet<String>) -> Result<(), String> {
        for id in ids {
            if let Some(l) = self.live.remove(id) {
                let live = self.load(l.row, l.def).await?;
                self.live.insert(id.clone(), live);
            }
        }
        Ok(())
    }

    /// Writes the changed places to the kv and the standings table.
    async fn publish_places(&mut self, touched: &BTreeSet<(String, UserId)>) -> Result<(), String> {
        let mut rows = Vec::new();
        for (contest, user) in touched {
            let Some(l) = self.live.get_mut(contest) else {
                continue;
            };
            let Some(b) = &l.board else { continue };
            let Some(p) = b.place(*user) else { continue };
            let old = l.members.get(user);
            if old.is_some_and(|(score, member)| *score == p.score && *member == p.member) {
                continue;
            }
            self.state
                .kv
                .zreplace(
                    &standings_set(contest),
                    old.map(|(_, m)| m.as_str()),
                    &p.member,
                    p.score,
                )
                .await
                .map_err(|e| e.to_string())?;
            let rounds = b.entry(*user).map_or(0, |e| i64::from(e.rounds));
            rows.push((contest.clone(), *user, p.score, rounds, p.member.clone()));
            l.members.insert(*user, (p.score, p.member));
        }
        self.state
            .store
            .compete()
            .upsert_standings(&rows)
            .await
            .map_err(store_err)
    }

    /// Finalises the contests whose end is [`FINALISE_GRACE`] past (or that an admin asked for).
    async fn finalise_due(&mut self) -> Result<(), String> {
        let now = self.now();
        let due: Vec<String> = self
            .live
            .iter()
            .filter(|(id, l)| {
                l.row.status == "scheduled"
                    && l.board.is_some()
                    && l.row.ends_at_ms.is_some_and(|end| {
                        now >= end.saturating_add(FINALISE_GRACE.as_millis() as i64)
                            || (now >= end && self.finalise_now.contains(*id))
                    })
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            self.finalise(&id).await?;
            self.finalise_now.remove(&id);
        }
        Ok(())
    }

    async fn finalise(&mut self, id: &str) -> Result<(), String> {
        let now = self.now();
        let c = self.state.store.compete();
        let Some(l) = self.live.get(id) else {
            return Ok(());
        };
        let Some(board) = &l.board else { return Ok(()) };
        let def = &l.def;
        let row = &l.row;
        let entries = c.entries(id).await.map_err(store_err)?;
        let fees: i64 = entries.iter().map(|(_, f)| *f).sum();
        let result = compete::award::award(def, board, Some(&row.seed));
        let ledger_code = def
            .currency
            .as_deref()
            .and_then(ledger::currency::by_symbol)
            .map(|c| c.ledger);
        let pool_index = u32::try_from(row.pool_index).map_err(|e| e.to_string())?;
        // The split covers the funded pool plus the entry fees.
        let total_pool = result.pool.saturating_add(fees);
        let split = if fees > 0 {
            match &def.prizes.as_ref().map(|p| &p.scheme) {
                Some(compete::def::Scheme::Ladder { steps }) => {
                    compete::prize::ladder(total_pool, steps, &board.standings())
                }
                Some(compete::def::Scheme::Proportional { places }) => {
                    compete::prize::proportional(total_pool, &board.standings(), *places)
                }
                _ => result.split.clone(),
            }
        } else {
            result.split.clone()
        };
        if let Some(ledger_code) = ledger_code {
            for (user, fee) in &entries {
                if *fee > 0 {
                    let r = self
                        .state
                        .wallet
                        .settle_entry_fee(id, *user, ledger_code, true)
                        .await
                        .map_err(|e| e.to_string())?;
                    ledger_ok("entry fee post", r)?;
                }
            }
            if result.pool > 0 {
                let r = self
                    .state
                    .wallet
                    .fund_pool(id, pool_index, ledger_code, result.pool.unsigned_abs())
                    .await
                    .map_err(|e| e.to_string())?;
                ledger_ok("pool funding", r)?;
            }
        }
        let claim_ms = def.prizes.as_ref().and_then(|p| p.claim_ms);
        let end = row.ends_at_ms.unwrap_or(now);
        let currency = def.currency.clone().unwrap_or_default();
        for p in &split.prizes {
            let grant = Grant::Chips {
                currency: currency.clone(),
                amount: p.amount,
            };
            let mut r = reward_row(
                &format!("prize:{id}:{}", p.user_id),
                p.user_id,
                id,
                "prize",
                &grant,
                now,
                claim_ms.map(|ms| end.saturating_add(ms)),
            );
            if claim_ms.is_some() {
                r.status = "offered".into();
            }
            c.insert_reward(&r).await.map_err(store_err)?;
        }
        let top: Vec<serde_json::Value> = board
            .top(SNAPSHOT_ROWS)
            .iter()
            .map(|r| json!({"rank": r.rank, "user_id": r.user_id.to_string(), "score": r.score}))
            .collect();
        let tickets: Vec<serde_json::Value> = if result.winners.is_empty() {
            Vec::new()
        } else {
            compete::award::tickets(board)
                .iter()
                .map(|e| json!([e.user_id.to_string(), e.tickets.to_string()]))
                .collect()
        };
        let excluded: BTreeMap<String, i64> = c
            .excluded_counts(id)
            .await
            .map_err(store_err)?
            .into_iter()
            .collect();
        let document = json!({
            "contest": id,
            "version": row.version,
            "ended_at_ms": end,
            "participants": board.len(),
            "counted": board.counted(),
            "excluded": excluded,
            "staked": board.staked(),
            "pool": total_pool,
            "entry_fees": fees,
            "paid": split.paid,
            "remainder": split.remainder,
            "prizes": split.prizes.iter().map(|p| json!({"rank": p.rank, "user_id": p.user_id.to_string(), "amount": p.amount})).collect::<Vec<_>>(),
            "claim_until_ms": claim_ms.map(|ms| end.saturating_add(ms)),
            "draw": {
                "commitment": row.commitment,
                "seed": row.seed,
                "tickets": tickets,
                "winners": result.winners.iter().map(|w| json!({"place": w.place, "user_id": w.user_id.to_string(), "ticket": w.ticket.to_string()})).collect::<Vec<_>>(),
            },
            "standings": top,
        });
        c.insert_snapshot(
            id,
            now,
            &serde_json::to_string(&top).map_err(|e| e.to_string())?,
        )
        .await
        .map_err(store_err)?;
        c.finalise_contest(id, &document.to_string(), now)
            .await
            .map_err(store_err)?;
        metrics::counter!("compete_contests_finalised_total").increment(1);
        tracing::info!(
            contest = id,
            prizes = split.prizes.len(),
            paid = split.paid,
            "contest finalised"
        );
        if let Some(l) = self.live.get_mut(id) {
            l.row.status = "final".into();
        }
        Ok(())
    }

    /// Pays rewards waiting for payment, and expires offered ones past their window.
    async fn pay_due(&mut self) -> Result<(), String> {
        let c = self.state.store.compete();
        let now = self.now();
        for r in c
            .rewards_in("offered", Some(now), 200)
            .await
            .map_err(store_err)?
        {
            c.set_reward_status(&r.id, "offered", "expired", now)
                .await
                .map_err(store_err)?;
        }
        for r in c.rewards_in("paying", None, 200).await.map_err(store_err)? {
            pay(&self.state, &r).await?;
            c.set_reward_status(&r.id, "paying", "paid", now)
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }

    async fn snapshot_due(&mut self) -> Result<(), String> {
        let now = self.now();
        let c = self.state.store.compete();
        for (id, l) in &mut self.live {
            let Some(b) = &l.board else { continue };
            if l.row.status != "scheduled"
                || now.saturating_sub(l.last_snapshot_ms) < SNAPSHOT_EVERY.as_millis() as i64
                || l.row.starts_at_ms.is_some_and(|s| now < s)
            {
                continue;
            }
            let top: Vec<serde_json::Value> = b
                .top(SNAPSHOT_ROWS)
                .iter()
                .map(
                    |r| json!({"rank": r.rank, "user_id": r.user_id.to_string(), "score": r.score}),
                )
                .collect();
            c.insert_snapshot(
                id,
                now,
                &serde_json::to_string(&top).map_err(|e| e.to_string())?,
            )
            .await
            .map_err(store_err)?;
            l.last_snapshot_ms = now;
        }
        Ok(())
    }

    /// Whether a contest is loaded (tests).
    #[must_use]
    pub fn is_live(&self, id: &str) -> bool {
        self.live.contains_key(id)
    }

    /// Kinds loaded, for metrics and tests.
    #[must_use]
    pub fn loaded(&self) -> Vec<(String, Kind)> {
        self.live
            .iter()
            .map(|(id, l)| (id.clone(), l.def.kind))
            .collect()
    }
}

/// Stores the rewards of a completed mission stage (once each: their ids are derived from the
/// mission, period and stage).
async fn store_stage_rewards(
    c: &dyn store::compete::CompeteStore,
    mission: &str,
    user: UserId,
    done: &compete::mission::StageDone,
    now: i64,
) -> Result<(), String> {
    for (i, g) in done.reward.iter().enumerate() {
        let id = if done.reward.len() == 1 {
            done.reward_id(mission)
        } else {
            format!("{}:{i}", done.reward_id(mission))
        };
        c.insert_reward(&reward_row(&id, user, mission, "reward", g, now, None))
            .await
            .map_err(store_err)?;
    }
    Ok(())
}

fn ledger_ok(what: &str, r: CreateTransferResult) -> Result<(), String> {
    if r.is_success() {
        Ok(())
    } else {
        Err(format!("{what} refused: {}", r.name()))
    }
}

/// A reward row in `paying` (chips and points are paid by the engine).
fn reward_row(
    id: &str,
    user: UserId,
    source: &str,
    kind: &str,
    grant: &Grant,
    now: i64,
    expires_at_ms: Option<i64>,
) -> RewardRow {
    let (amount, currency) = match grant {
        Grant::Chips { currency, amount } => (*amount, currency.clone()),
        Grant::FreeSpins { currency, .. } => (0, currency.clone()),
        Grant::Points { .. } => (0, String::new()),
    };
    RewardRow {
        id: id.to_owned(),
        user_id: user,
        source: source.to_owned(),
        kind: kind.to_owned(),
        grant_json: serde_json::to_string(grant).unwrap_or_default(),
        amount,
        currency,
        status: if matches!(grant, Grant::FreeSpins { .. }) {
            "offered".into()
        } else {
            "paying".into()
        },
        created_at_ms: now,
        expires_at_ms,
        settled_at_ms: None,
    }
}

/// Pays one reward through the ledger (idempotent by its id); points need no money.
pub async fn pay(state: &ContestsState, r: &RewardRow) -> Result<(), String> {
    if r.amount <= 0 {
        return Ok(());
    }
    let ledger_code = ledger::currency::by_symbol(&r.currency)
        .map(|c| c.ledger)
        .ok_or_else(|| format!("reward {}: unknown currency {}", r.id, r.currency))?;
    let result = if r.kind == "prize" {
        let row = state
            .store
            .compete()
            .contest(&r.source)
            .await
            .map_err(store_err)?;
        let index = u32::try_from(row.pool_index).map_err(|e| e.to_string())?;
        state
            .wallet
            .pay_prize(
                &r.id,
                index,
                r.user_id,
                ledger_code,
                r.amount.unsigned_abs(),
            )
            .await
    } else {
        state
            .wallet
            .pay_reward(&r.id, r.user_id, ledger_code, r.amount.unsigned_abs())
            .await
    }
    .map_err(|e| e.to_string())?;
    ledger_ok("reward payment", result)
}

/// The engine's notes channel, for the HTTP side.
pub async fn note(bus: &Arc<dyn bus::Bus>, note: &Note) {
    match serde_json::to_vec(note) {
        Ok(bytes) => {
            if let Err(e) = bus.publish(NOTE_SUBJECT, bytes.into()).await {
                tracing::debug!(error = %e, "compete note not sent; the engine's next sync catches up");
            }
        }
        Err(e) => tracing::warn!(error = %e, "compete note not encoded"),
    }
}
