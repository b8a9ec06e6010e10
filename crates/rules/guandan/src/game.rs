//! The match state machine: deal, 抗贡, tribute, return, trick flow with 接风, hand results, levels, the A
//! rules and the end of the match. `apply` is pure; every match replays from (seed, rules, action log).

use crate::card::{Card, HAND_SIZE, Hand, Rank, SEATS, Seat, Team, full_pack};
use crate::combo::{Move, Play, card_value};
use crate::movegen;
use crate::rules::{
    AceDemotion, AceFailureCount, AntiTribute, DoubleTribute, EqualTributeLeader, FirstLeader,
    JiefengRecipient, PassAce, ReturnLimit, Rules,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The recorded 32-byte shuffle seed, serialised as 64 hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Seed(pub [u8; 32]);

impl Seed {
    /// A seed from a small integer (little-endian in the first eight bytes), for tests and simulations.
    pub fn from_u64(v: u64) -> Seed {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&v.to_le_bytes());
        Seed(b)
    }
}

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Number(n) => n
                .as_u64()
                .map(Seed::from_u64)
                .ok_or_else(|| D::Error::custom("seed must be a u64")),
            serde_json::Value::String(s) => {
                let bytes = hex::decode(&s).map_err(D::Error::custom)?;
                let arr: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| D::Error::custom("seed must be 32 bytes of hex"))?;
                Ok(Seed(arr))
            }
            _ => Err(D::Error::custom("seed must be a u64 or 64 hex characters")),
        }
    }
}

/// What the match is waiting for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Payers must hand over their tribute cards.
    Tribute,
    /// Receivers must return a card.
    Return,
    /// Trick play.
    Play,
    /// The match is over.
    MatchOver,
}

/// A player's action. Plays carry their declared reading (kind and key).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Play a combination as `[type, key, cards]`.
    Play {
        /// Acting seat.
        seat: Seat,
        /// The declared play.
        play: Play,
    },
    /// Pass (only when following).
    Pass {
        /// Acting seat.
        seat: Seat,
    },
    /// Pay a tribute card.
    Tribute {
        /// Acting seat.
        seat: Seat,
        /// The card paid.
        card: Card,
    },
    /// Return a card to the tribute payer.
    Return {
        /// Acting seat.
        seat: Seat,
        /// The card returned.
        card: Card,
    },
}

impl Action {
    /// The acting seat.
    pub fn seat(&self) -> Seat {
        match *self {
            Action::Play { seat, .. }
            | Action::Pass { seat }
            | Action::Tribute { seat, .. }
            | Action::Return { seat, .. } => seat,
        }
    }
    /// The play-phase move, if this is one.
    pub fn as_move(&self) -> Option<Move> {
        match *self {
            Action::Play { play, .. } => Some(Move::Play(play)),
            Action::Pass { .. } => Some(Move::Pass),
            _ => None,
        }
    }
    /// The action for `seat` making move `m`.
    pub fn from_move(seat: Seat, m: Move) -> Action {
        match m {
            Move::Pass => Action::Pass { seat },
            Move::Play(play) => Action::Play { seat, play },
        }
    }
}

/// Why an action was refused. Every variant is something a client can cause.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error, Serialize, Deserialize)]
pub enum RuleError {
    /// The match is over.
    #[error("the match is over")]
    MatchOver,
    /// The action does not fit the current phase.
    #[error("a {action} action is not allowed in the {phase:?} phase")]
    WrongPhase {
        /// Kind of action.
        action: String,
        /// Current phase.
        phase: Phase,
    },
    /// Not this seat's turn (or nothing owed by this seat).
    #[error("it is not seat {seat}'s turn")]
    NotYourTurn {
        /// Acting seat.
        seat: Seat,
    },
    /// The cards are not all in the player's hand.
    #[error("seat {seat} does not hold those cards")]
    CardsNotHeld {
        /// Acting seat.
        seat: Seat,
    },
    /// The declared reading is not a reading of the cards at this level.
    #[error("the cards do not form the declared {kind} with key {key}")]
    InvalidReading {
        /// Declared type.
        kind: String,
        /// Declared key.
        key: String,
    },
    /// The play does not beat the top play.
    #[error("the play does not beat the current top play")]
    DoesNotBeat,
    /// A leader may not pass.
    #[error("the leader may not pass")]
    PassWhileLeading,
    /// The tribute card is not one of the allowed tribute cards.
    #[error("{card} is not a legal tribute card")]
    IllegalTribute {
        /// Offered card.
        card: Card,
    },
    /// The return card is not allowed.
    #[error("{card} is not a legal return card")]
    IllegalReturn {
        /// Offered card.
        card: Card,
    },
}

/// A card handed from one seat to another in tribute or return.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Transfer {
    /// Giver.
    pub from: Seat,
    /// Receiver.
    pub to: Seat,
    /// The card.
    pub card: Card,
}

/// A tribute owed in the current hand.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TributeDue {
    /// Paying seat.
    pub payer: Seat,
    /// Card paid, once paid (hidden from views until every tribute is paid).
    pub card: Option<Card>,
    /// Receiver, once assigned.
    pub receiver: Option<Seat>,
    /// Card returned, once returned.
    pub returned: Option<Card>,
}

/// Summary of a finished hand.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct HandResult {
    /// Index of the hand (0-based).
    pub hand_no: u32,
    /// Level the hand was played at.
    pub level: Rank,
    /// Finish order; on a 1-2 finish the two losers follow by fewer cards left, then play order.
    pub order: Vec<Seat>,
    /// Team promoted and by how many levels.
    pub promoted: Team,
    /// Levels gained (before the cap).
    pub steps: u8,
    /// Team levels after the hand.
    pub levels: [Rank; 2],
    /// A team sent back from A after too many failures.
    pub ace_reset: Option<Team>,
}

/// Public (or, for `Deal`/`TributePaid`/`Returned`, private) records of what happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A seat's new hand (private to that seat).
    Deal {
        /// Hand index.
        hand_no: u32,
        /// Level of the hand.
        level: Rank,
        /// Receiving seat.
        seat: Seat,
        /// The 27 cards.
        cards: Vec<Card>,
    },
    /// 抗贡: the paying side holds the jokers shown; nobody pays.
    AntiTribute {
        /// Seats revealing jokers, one entry per joker.
        seats: Vec<Seat>,
        /// The revealed jokers.
        cards: Vec<Card>,
    },
    /// Tribute is owed: the payers (the previous hand's losers) must each pay one card.
    TributeStart {
        /// Paying seats.
        payers: Vec<Seat>,
    },
    /// A seat paid its tribute (private to the payer until all are paid).
    TributePaid {
        /// Payer.
        seat: Seat,
        /// Card.
        card: Card,
    },
    /// All tributes paid: who gave what to whom (public).
    TributeResult {
        /// Transfers.
        transfers: Vec<Transfer>,
    },
    /// A seat returned a card (private to the giver until all are returned).
    Returned {
        /// Giver.
        seat: Seat,
        /// Card.
        card: Card,
    },
    /// All returns made (public).
    ReturnResult {
        /// Transfers.
        transfers: Vec<Transfer>,
    },
    /// The first trick of the hand is led by this seat.
    FirstLead {
        /// Leader.
        seat: Seat,
    },
    /// A play.
    Played {
        /// Seat.
        seat: Seat,
        /// Play.
        play: Play,
    },
    /// A pass.
    Passed {
        /// Seat.
        seat: Seat,
    },
    /// A trick ended: its winner and who leads next (the partner on 接风).
    TrickWon {
        /// Owner of the top play.
        winner: Seat,
        /// Next leader.
        leader: Seat,
        /// True when the lead passed on by 接风.
        jiefeng: bool,
    },
    /// A player went out.
    PlayerOut {
        /// Seat.
        seat: Seat,
        /// 1 = 头游, 2 = 二游, 3 = 三游.
        place: u8,
    },
    /// A hand ended.
    HandOver(HandResult),
    /// The match ended (`winner` is `None` on a draw by limit).
    MatchOver {
        /// Winning team.
        winner: Option<Team>,
    },
}

impl Event {
    /// `Some(seat)` when only that seat may see the event; `None` when it is public.
    pub fn audience(&self) -> Option<Seat> {
        match *self {
            Event::Deal { seat, .. }
            | Event::TributePaid { seat, .. }
            | Event::Returned { seat, .. } => Some(seat),
            _ => None,
        }
    }
    /// True when `seat` (or a spectator, `None`) may see the event.
    pub fn visible_to(&self, seat: Option<Seat>) -> bool {
        match self.audience() {
            None => true,
            Some(s) => seat == Some(s),
        }
    }
}

/// The complete state of a match. Clone it freely; it is small.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Match {
    /// Rules in force.
    pub rules: Rules,
    /// Shuffle seed.
    pub seed: Seed,
    /// Team levels (team 0 = seats 0 and 2).
    pub levels: [Rank; 2],
    /// Failed attempts at each team's own A since its last reset.
    pub ace_failures: [u8; 2],
    /// A→2 resets so far (both teams).
    pub ace_resets: u16,
    /// Index of the current hand.
    pub hand_no: u32,
    /// Level of the current hand.
    pub level: Rank,
    /// Team whose level is being played (`None` in the first hand).
    pub declarer: Option<Team>,
    hands: [Hand; SEATS],
    phase: Phase,
    turn: Seat,
    top: Option<(Seat, Play)>,
    trick: Vec<(Seat, Move)>,
    last_moves: [Option<Move>; SEATS],
    played: Hand,
    finish: Vec<Seat>,
    tributes: Vec<TributeDue>,
    anti_tribute: Vec<Seat>,
    leader_after_tribute: Option<Seat>,
    prev_order: Vec<Seat>,
    winner: Option<Team>,
    cards_total: u8,
    /// Results of the finished hands.
    pub results: Vec<HandResult>,
}

/// A position to start a match from (tests, puzzles, tutorials): the hands and what came before.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Setup {
    /// The four hands (together at most two copies of every card).
    pub hands: [Hand; SEATS],
    /// Team levels.
    pub levels: [Rank; 2],
    /// Team whose level is played (`None`: level 2, as in a first hand).
    pub declarer: Option<Team>,
    /// Previous hand's finish order; when given, tribute (or 抗贡) happens on these hands.
    pub prev_order: Option<[Seat; SEATS]>,
    /// Leader when there is no tribute.
    pub leader: Seat,
    /// Index of this hand.
    pub hand_no: u32,
}

/// Why a [`Setup`] was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum SetupError {
    /// A card appears more than twice across the hands.
    #[error("more than two copies of {0} across the hands")]
    TooManyCopies(Card),
    /// A seat holds no cards.
    #[error("seat {0} holds no cards")]
    EmptyHand(Seat),
}

/// What a seat (or a spectator) may see. Never contains another seat's cards.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct View {
    /// Viewer (`None` = spectator).
    pub seat: Option<Seat>,
    /// The viewer's own hand.
    pub hand: Option<Hand>,
    /// Rules in force.
    pub rules: Rules,
    /// Hand index.
    pub hand_no: u32,
    /// Level of the hand.
    pub level: Rank,
    /// Team levels.
    pub levels: [Rank; 2],
    /// Declaring team.
    pub declarer: Option<Team>,
    /// Phase.
    pub phase: Phase,
    /// Seats that may act now.
    pub awaiting: Vec<Seat>,
    /// Cards left per seat.
    pub counts: [u8; SEATS],
    /// Top play of the current trick and its owner.
    pub top: Option<(Seat, Play)>,
    /// Moves of the current trick in order.
    pub trick: Vec<(Seat, Move)>,
    /// Each seat's latest move in this hand (the competition's `playArea`).
    pub last_moves: [Option<Move>; SEATS],
    /// Every card played this hand (public information, for card counting).
    pub played: Hand,
    /// Seats out so far, in order.
    pub finish: Vec<Seat>,
    /// Tribute and return transfers, shown once complete (own tribute card always shown to its payer).
    pub tributes: Vec<TributeDue>,
    /// Seats that showed jokers for 抗贡.
    pub anti_tribute: Vec<Seat>,
    /// Winner once the match is over.
    pub winner: Option<Team>,
}

fn rng_for(seed: &Seed, hand_no: u32, purpose: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::from_seed(seed.0);
    rng.set_stream(u64::from(hand_no) * 8 + purpose);
    rng
}

const PURPOSE_DEAL: u64 = 0;
const PURPOSE_FIRST_LEADER: u64 = 1;
const PURPOSE_TRIBUTE_TIE: u64 = 2;

impl Match {
    /// A new match: deals the first hand at level 2. Returns the match and the deal events.
    pub fn new(seed: Seed, rules: Rules) -> (Match, Vec<Event>) {
        let mut m = Match {
            rules,
            seed,
            levels: [Rank::TWO; 2],
            ace_failures: [0; 2],
            ace_resets: 0,
            hand_no: 0,
            level: Rank::TWO,
            declarer: None,
            hands: Default::default(),
            phase: Phase::Play,
            turn: Seat::ZERO,
            top: None,
            trick: Vec::new(),
            last_moves: [None; SEATS],
            played: Hand::new(),
            finish: Vec::new(),
            tributes: Vec::new(),
            anti_tribute: Vec::new(),
            leader_after_tribute: None,
            prev_order: Vec::new(),
            winner: None,
            cards_total: 108,
            results: Vec::new(),
        };
        let mut ev = Vec::new();
        m.start_hand(&mut ev);
        (m, ev)
    }

    /// A match starting from a given position. Later hands are dealt from `seed` as usual.
    pub fn from_setup(
        seed: Seed,
        rules: Rules,
        setup: Setup,
    ) -> Result<(Match, Vec<Event>), SetupError> {
        for c in Card::all() {
            let n: u8 = setup.hands.iter().map(|h| h.count(c)).sum();
            if n > crate::card::COPIES_PER_KIND {
                return Err(SetupError::TooManyCopies(c));
            }
        }
        if let Some(s) = Seat::all().find(|s| setup.hands[s.index()].is_empty()) {
            return Err(SetupError::EmptyHand(s));
        }
        let (mut m, _) = Match::new(seed, rules);
        m.levels = setup.levels;
        m.declarer = setup.declarer;
        m.level = setup
            .declarer
            .map_or(Rank::TWO, |t| setup.levels[t.index()]);
        m.hand_no = setup.hand_no;
        m.hands = setup.hands;
        m.cards_total = m.hands.iter().map(|h| h.len() as u8).sum();
        m.prev_order = setup.prev_order.map(|o| o.to_vec()).unwrap_or_default();
        let mut ev = Vec::new();
        m.reset_hand_state();
        m.deal_events(&mut ev);
        if m.prev_order.len() == SEATS {
            m.after_deal(&mut ev);
        } else {
            m.begin_play(setup.leader, &mut ev);
        }
        Ok((m, ev))
    }

    /// Current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// Seats that may act now (one seat in play; every payer or receiver still owing in tribute/return).
    pub fn awaiting(&self) -> Vec<Seat> {
        match self.phase {
            Phase::Play => vec![self.turn],
            Phase::Tribute => self
                .tributes
                .iter()
                .filter(|t| t.card.is_none())
                .map(|t| t.payer)
                .collect(),
            Phase::Return => self
                .tributes
                .iter()
                .filter(|t| t.returned.is_none())
                .filter_map(|t| t.receiver)
                .collect(),
            Phase::MatchOver => Vec::new(),
        }
    }
    /// The seat to play, in the play phase.
    pub fn turn(&self) -> Option<Seat> {
        (self.phase == Phase::Play).then_some(self.turn)
    }
    /// A seat's hand (server-side only; clients get [`Match::view`]).
    pub fn hand(&self, seat: Seat) -> &Hand {
        &self.hands[seat.index()]
    }
    /// Top play and owner.
    pub fn top(&self) -> Option<(Seat, Play)> {
        self.top
    }
    /// Winner once the match is over (`None` also on a draw).
    pub fn winner(&self) -> Option<Team> {
        self.winner
    }
    /// Seats out in the current hand.
    pub fn finish_order(&self) -> &[Seat] {
        &self.finish
    }

    /// Stable state hash: SHA-256 (hex) of the canonical JSON serialisation.
    pub fn state_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }

    /// Every legal action for `seat` now: the full move list (all concrete card choices) in play, every
    /// allowed card in tribute/return. Empty when the seat may not act.
    pub fn legal_actions(&self, seat: Seat) -> Vec<Action> {
        self.legal_with(seat, false)
    }

    /// Like [`Match::legal_actions`] but with one representative play per (kind, key, size): what bots use.
    pub fn compact_actions(&self, seat: Seat) -> Vec<Action> {
        self.legal_with(seat, true)
    }

    fn legal_with(&self, seat: Seat, compact: bool) -> Vec<Action> {
        match self.phase {
            Phase::Play if self.turn == seat => {
                let top = self.top.as_ref().map(|(_, p)| p);
                let hand = &self.hands[seat.index()];
                let moves = if compact {
                    movegen::compact_moves(hand, self.level, top, &self.rules)
                } else {
                    movegen::legal_moves(hand, self.level, top, &self.rules)
                };
                moves
                    .into_iter()
                    .map(|m| Action::from_move(seat, m))
                    .collect()
            }
            Phase::Tribute if self.awaiting().contains(&seat) => self
                .tribute_cards(seat)
                .into_iter()
                .map(|card| Action::Tribute { seat, card })
                .collect(),
            Phase::Return if self.awaiting().contains(&seat) => self
                .return_cards(seat)
                .into_iter()
                .map(|card| Action::Return { seat, card })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Cards `seat` may pay as tribute: every distinct card of the highest level-order value, wilds excluded.
    pub fn tribute_cards(&self, seat: Seat) -> Vec<Card> {
        let hand = &self.hands[seat.index()];
        let cards: Vec<Card> = hand
            .cards()
            .into_iter()
            .filter(|c| !c.is_wild(self.level))
            .collect();
        let best = cards.iter().map(|&c| card_value(c, self.level)).max();
        let mut v: Vec<Card> = cards
            .into_iter()
            .filter(|&c| Some(card_value(c, self.level)) == best)
            .collect();
        v.dedup();
        v
    }

    /// Cards `seat` may return to the payer it owes.
    pub fn return_cards(&self, seat: Seat) -> Vec<Card> {
        let Some(due) = self
            .tributes
            .iter()
            .find(|t| t.receiver == Some(seat) && t.returned.is_none())
        else {
            return Vec::new();
        };
        let hand = &self.hands[seat.index()];
        let mut all = hand.cards();
        all.dedup();
        let limited = match self.rules.return_limit {
            ReturnLimit::TenOrLower => true,
            ReturnLimit::TenOrLowerToPartner => due.payer == seat.partner(),
            ReturnLimit::Any => false,
        };
        if !limited {
            return all;
        }
        let level = self.level;
        let small: Vec<Card> = all
            .iter()
            .copied()
            .filter(|c| c.rank().is_some_and(|r| r <= Rank::TEN && r != level))
            .collect();
        if !small.is_empty() {
            return small;
        }
        // Nothing qualifies: the smallest card in level order, a wild only if nothing else is held.
        let pool: Vec<Card> = {
            let non_wild: Vec<Card> = all.iter().copied().filter(|c| !c.is_wild(level)).collect();
            if non_wild.is_empty() { all } else { non_wild }
        };
        let min = pool.iter().map(|&c| card_value(c, level)).min();
        pool.into_iter()
            .filter(|&c| Some(card_value(c, level)) == min)
            .collect()
    }

    /// The view of `seat` (`None` for a spectator).
    pub fn view(&self, seat: Option<Seat>) -> View {
        let all_paid = self.tributes.iter().all(|t| t.card.is_some());
        let all_returned = self.tributes.iter().all(|t| t.returned.is_some());
        let tributes = self
            .tributes
            .iter()
            .map(|t| TributeDue {
                payer: t.payer,
                card: t.card.filter(|_| all_paid || seat == Some(t.payer)),
                receiver: t.receiver,
                returned: t.returned.filter(|_| all_returned || seat == t.receiver),
            })
            .collect();
        View {
            seat,
            hand: seat.map(|s| self.hands[s.index()].clone()),
            rules: self.rules,
            hand_no: self.hand_no,
            level: self.level,
            levels: self.levels,
            declarer: self.declarer,
            phase: self.phase,
            awaiting: self.awaiting(),
            counts: std::array::from_fn(|i| self.hands[i].len() as u8),
            top: self.top,
            trick: self.trick.clone(),
            last_moves: self.last_moves,
            played: self.played.clone(),
            finish: self.finish.clone(),
            tributes,
            anti_tribute: self.anti_tribute.clone(),
            winner: self.winner,
        }
    }

    fn start_hand(&mut self, ev: &mut Vec<Event>) {
        let mut pack = full_pack();
        pack.shuffle(&mut rng_for(&self.seed, self.hand_no, PURPOSE_DEAL));
        for (i, chunk) in pack.chunks(HAND_SIZE).enumerate() {
            let hand = Hand::from_cards(chunk);
            assert!(hand.is_some(), "pack holds two copies of every card");
            self.hands[i] = hand.unwrap_or_default();
        }
        self.cards_total = 108;
        self.reset_hand_state();
        self.deal_events(ev);
        self.after_deal(ev);
    }

    fn reset_hand_state(&mut self) {
        self.top = None;
        self.trick.clear();
        self.last_moves = [None; SEATS];
        self.played = Hand::new();
        self.finish.clear();
        self.tributes.clear();
        self.anti_tribute.clear();
        self.leader_after_tribute = None;
    }

    fn deal_events(&self, ev: &mut Vec<Event>) {
        for s in Seat::all() {
            ev.push(Event::Deal {
                hand_no: self.hand_no,
                level: self.level,
                seat: s,
                cards: self.hands[s.index()].cards(),
            });
        }
    }

    /// 抗贡 check, tribute set-up or the first lead, on freshly dealt hands.
    fn after_deal(&mut self, ev: &mut Vec<Event>) {
        if self.prev_order.len() != SEATS {
            let leader = match self.rules.first_leader {
                FirstLeader::Seat(i) => Seat::wrapping(i),
                FirstLeader::Random => {
                    let mut rng = rng_for(&self.seed, self.hand_no, PURPOSE_FIRST_LEADER);
                    Seat::wrapping(rng.random_range(0..4u8))
                }
            };
            self.begin_play(leader, ev);
            return;
        }
        let order = self.prev_order.clone();
        let first = order[0];
        let double = order[1] == first.partner();
        let payers: Vec<Seat> = if double {
            vec![order[2], order[3]]
        } else {
            vec![order[3]]
        };
        // 抗贡 is checked on the new hands.
        let mut shown = Vec::new();
        let mut shown_cards = Vec::new();
        for &p in &payers {
            let h = &self.hands[p.index()];
            for c in [Card::BIG_JOKER, Card::SMALL_JOKER] {
                if c == Card::SMALL_JOKER && self.rules.anti_tribute == AntiTribute::TwoBigJokers {
                    continue;
                }
                for _ in 0..h.count(c) {
                    shown.push(p);
                    shown_cards.push(c);
                }
            }
        }
        if shown.len() >= 2 {
            shown.truncate(2);
            shown_cards.truncate(2);
            self.anti_tribute = shown.clone();
            ev.push(Event::AntiTribute {
                seats: shown,
                cards: shown_cards,
            });
            self.begin_play(first, ev);
            return;
        }
        ev.push(Event::TributeStart {
            payers: payers.clone(),
        });
        self.tributes = payers
            .iter()
            .map(|&payer| TributeDue {
                payer,
                card: None,
                receiver: None,
                returned: None,
            })
            .collect();
        self.phase = Phase::Tribute;
    }

    fn begin_play(&mut self, leader: Seat, ev: &mut Vec<Event>) {
        self.phase = Phase::Play;
        self.turn = leader;
        ev.push(Event::FirstLead { seat: leader });
    }

    /// Applies `action` in place. On error the match is unchanged.
    pub fn apply_mut(&mut self, action: Action) -> Result<Vec<Event>, RuleError> {
        let mut ev = Vec::new();
        if self.phase == Phase::MatchOver {
            return Err(RuleError::MatchOver);
        }
        match action {
            Action::Play { seat, play } => self.act_play(seat, Some(play), &mut ev)?,
            Action::Pass { seat } => self.act_play(seat, None, &mut ev)?,
            Action::Tribute { seat, card } => self.act_tribute(seat, card, &mut ev)?,
            Action::Return { seat, card } => self.act_return(seat, card, &mut ev)?,
        }
        self.check_invariants();
        Ok(ev)
    }

    fn check_invariants(&self) {
        let in_hands: usize = self.hands.iter().map(Hand::len).sum();
        let played = self.played.len();
        let in_transit = self
            .tributes
            .iter()
            .filter(|t| t.card.is_some() && t.receiver.is_none())
            .count();
        if self.phase != Phase::MatchOver {
            assert_eq!(
                in_hands + played + in_transit,
                usize::from(self.cards_total),
                "cards are conserved"
            );
        }
    }

    fn act_play(
        &mut self,
        seat: Seat,
        play: Option<Play>,
        ev: &mut Vec<Event>,
    ) -> Result<(), RuleError> {
        let name = if play.is_some() { "play" } else { "pass" };
        if self.phase != Phase::Play {
            return Err(RuleError::WrongPhase {
                action: name.into(),
                phase: self.phase,
            });
        }
        if seat != self.turn {
            return Err(RuleError::NotYourTurn { seat });
        }
        let Some(play) = play else {
            if self.top.is_none() {
                return Err(RuleError::PassWhileLeading);
            }
            self.trick.push((seat, Move::Pass));
            self.last_moves[seat.index()] = Some(Move::Pass);
            ev.push(Event::Passed { seat });
            self.advance(ev);
            return Ok(());
        };
        let hand = &self.hands[seat.index()];
        if play.is_empty() || !hand.contains_all(play.cards()) {
            return Err(RuleError::CardsNotHeld { seat });
        }
        if !play.is_valid(self.level, &self.rules) {
            return Err(RuleError::InvalidReading {
                kind: play.kind.name().into(),
                key: play.key.to_string(),
            });
        }
        if let Some((_, top)) = &self.top
            && !play.beats(top, self.level, &self.rules)
        {
            return Err(RuleError::DoesNotBeat);
        }
        for &c in play.cards() {
            let removed = self.hands[seat.index()].remove(c);
            assert!(removed, "held cards are removable");
            // `Hand::add` asserts that no card kind is played more than twice.
            self.played.add(c);
        }
        self.top = Some((seat, play));
        self.trick.push((seat, Move::Play(play)));
        self.last_moves[seat.index()] = Some(Move::Play(play));
        ev.push(Event::Played { seat, play });
        if self.hands[seat.index()].is_empty() {
            assert!(!self.finish.contains(&seat), "a seat finishes once");
            self.finish.push(seat);
            ev.push(Event::PlayerOut {
                seat,
                place: self.finish.len() as u8,
            });
            let f = &self.finish;
            let over = (f.len() == 2 && f[1] == f[0].partner()) || f.len() == 3;
            if over {
                self.end_hand(ev);
                return Ok(());
            }
        }
        self.advance(ev);
        Ok(())
    }

    fn active(&self, s: Seat) -> bool {
        !self.hands[s.index()].is_empty()
    }

    /// Moves the turn on; ends the trick when it would come back to the owner of the top play.
    fn advance(&mut self, ev: &mut Vec<Event>) {
        let Some((owner, _)) = self.top else {
            return;
        };
        let mut s = self.turn.next();
        for _ in 0..SEATS {
            if s == owner {
                let (leader, jiefeng) = if self.active(owner) {
                    (owner, false)
                } else {
                    let to = match self.rules.jiefeng {
                        JiefengRecipient::Partner => owner.partner(),
                        JiefengRecipient::NextPlayer => self.next_active(owner),
                    };
                    (to, true)
                };
                assert!(self.active(leader), "the next leader holds cards");
                self.top = None;
                self.trick.clear();
                self.turn = leader;
                ev.push(Event::TrickWon {
                    winner: owner,
                    leader,
                    jiefeng,
                });
                return;
            }
            if self.active(s) {
                self.turn = s;
                return;
            }
            s = s.next();
        }
        unreachable!("the turn always reaches an active seat or the top owner");
    }

    fn next_active(&self, from: Seat) -> Seat {
        let mut s = from.next();
        for _ in 0..SEATS {
            if self.active(s) {
                return s;
            }
            s = s.next();
        }
        from
    }

    fn end_hand(&mut self, ev: &mut Vec<Event>) {
        let mut order = self.finish.clone();
        let mut rest: Vec<Seat> = Seat::all().filter(|s| !order.contains(s)).collect();
        let first = order[0];
        // Losers left holding cards: fewer cards ranks higher; ties in play order after 头游.
        rest.sort_by_key(|s| {
            (
                self.hands[s.index()].len(),
                (s.index() + 4 - first.index()) % 4,
            )
        });
        order.extend(rest);
        let team = first.team();
        let partner_place = order
            .iter()
            .position(|&s| s == first.partner())
            .unwrap_or(3);
        let steps = match partner_place {
            1 => 3,
            2 => 2,
            _ => 1,
        };
        let at_own_ace = |t: Team| self.declarer == Some(t) && self.levels[t.index()] == Rank::ACE;
        let mut winner = None;
        if at_own_ace(team) {
            let wins = match self.rules.pass_ace {
                PassAce::FirstAndNotLast => partner_place <= 2,
                PassAce::FirstAndSecond => partner_place == 1,
                PassAce::AnyFirst => true,
            };
            if wins {
                winner = Some(team);
            }
        }
        let mut levels = self.levels;
        if winner.is_none() {
            let cur = levels[team.index()];
            if !self.rules.cap_at_ace && cur.index() + usize::from(steps) > Rank::ACE.index() {
                winner = Some(team);
            }
            levels[team.index()] = cur.promoted(steps);
        }
        let mut ace_reset = None;
        if winner.is_none()
            && let Some(d) = self.declarer.filter(|&d| at_own_ace(d))
        {
            let counts = match self.rules.ace_failure_count {
                AceFailureCount::EveryFailedAttempt => true,
                AceFailureCount::OnlyFirstAndLast => team == d && partner_place == 3,
            };
            if counts {
                self.ace_failures[d.index()] = self.ace_failures[d.index()].saturating_add(1);
            }
            if let Some(max) = self.rules.ace_failures_max
                && self.ace_failures[d.index()] >= max
            {
                levels[d.index()] = match self.rules.ace_failure_demote_to {
                    AceDemotion::Level(r) => r,
                    AceDemotion::OpponentLevel => levels[d.other().index()],
                };
                self.ace_failures[d.index()] = 0;
                self.ace_resets = self.ace_resets.saturating_add(1);
                ace_reset = Some(d);
            }
        }
        self.levels = levels;
        let result = HandResult {
            hand_no: self.hand_no,
            level: self.level,
            order: order.clone(),
            promoted: team,
            steps,
            levels,
            ace_reset,
        };
        self.results.push(result.clone());
        ev.push(Event::HandOver(result));
        let draw_by_resets = self
            .rules
            .ace_resets_draw
            .is_some_and(|n| self.ace_resets >= n);
        let draw_by_hands = self.hand_no.saturating_add(1) >= self.rules.hands_per_match_max;
        if winner.is_some() || draw_by_resets || draw_by_hands {
            self.winner = winner;
            self.phase = Phase::MatchOver;
            self.top = None;
            ev.push(Event::MatchOver { winner });
            return;
        }
        self.prev_order = order;
        self.hand_no = self.hand_no.saturating_add(1);
        self.declarer = Some(team);
        self.level = self.levels[team.index()];
        self.start_hand(ev);
    }

    fn act_tribute(
        &mut self,
        seat: Seat,
        card: Card,
        ev: &mut Vec<Event>,
    ) -> Result<(), RuleError> {
        if self.phase != Phase::Tribute {
            return Err(RuleError::WrongPhase {
                action: "tribute".into(),
                phase: self.phase,
            });
        }
        let Some(i) = self
            .tributes
            .iter()
            .position(|t| t.payer == seat && t.card.is_none())
        else {
            return Err(RuleError::NotYourTurn { seat });
        };
        if !self.tribute_cards(seat).contains(&card) {
            return Err(RuleError::IllegalTribute { card });
        }
        let removed = self.hands[seat.index()].remove(card);
        assert!(removed, "tribute card is held");
        self.tributes[i].card = Some(card);
        ev.push(Event::TributePaid { seat, card });
        if self.tributes.iter().all(|t| t.card.is_some()) {
            self.assign_tributes(ev);
        }
        Ok(())
    }

    fn assign_tributes(&mut self, ev: &mut Vec<Event>) {
        let order = self.prev_order.clone();
        let first = order[0];
        let level = self.level;
        let leader;
        if self.tributes.len() == 1 {
            self.tributes[0].receiver = Some(first);
            leader = self.tributes[0].payer;
        } else {
            let second = first.partner();
            let (a, b) = (self.tributes[0], self.tributes[1]);
            let va = a.card.map_or(0, |c| card_value(c, level));
            let vb = b.card.map_or(0, |c| card_value(c, level));
            // Index of the payer whose card goes to 头游.
            let to_first = match self.rules.double_tribute {
                DoubleTribute::BySeat => {
                    // Each payer pays the winner seated just before them.
                    if prev_seat(a.payer) == first { 0 } else { 1 }
                }
                _ if va != vb => {
                    if va > vb {
                        0
                    } else {
                        1
                    }
                }
                DoubleTribute::HigherToFirst => {
                    if a.payer == first.next() {
                        0
                    } else {
                        1
                    }
                }
                DoubleTribute::HigherToFirstRandomTies => {
                    let mut rng = rng_for(&self.seed, self.hand_no, PURPOSE_TRIBUTE_TIE);
                    usize::from(rng.random_bool(0.5))
                }
            };
            self.tributes[to_first].receiver = Some(first);
            self.tributes[1 - to_first].receiver = Some(second);
            leader = if va == vb && self.rules.equal_tribute_leader == EqualTributeLeader::LastPlace
            {
                order[3]
            } else if self.rules.double_tribute == DoubleTribute::BySeat {
                // The payer of the larger card leads.
                if va >= vb { a.payer } else { b.payer }
            } else {
                self.tributes[to_first].payer
            };
        }
        let mut transfers = Vec::new();
        for t in &self.tributes {
            if let (Some(card), Some(to)) = (t.card, t.receiver) {
                self.hands[to.index()].add(card);
                transfers.push(Transfer {
                    from: t.payer,
                    to,
                    card,
                });
            }
        }
        ev.push(Event::TributeResult { transfers });
        self.leader_after_tribute = Some(leader);
        self.phase = Phase::Return;
    }

    fn act_return(&mut self, seat: Seat, card: Card, ev: &mut Vec<Event>) -> Result<(), RuleError> {
        if self.phase != Phase::Return {
            return Err(RuleError::WrongPhase {
                action: "return".into(),
                phase: self.phase,
            });
        }
        let Some(i) = self
            .tributes
            .iter()
            .position(|t| t.receiver == Some(seat) && t.returned.is_none())
        else {
            return Err(RuleError::NotYourTurn { seat });
        };
        if !self.return_cards(seat).contains(&card) {
            return Err(RuleError::IllegalReturn { card });
        }
        let removed = self.hands[seat.index()].remove(card);
        assert!(removed, "return card is held");
        let payer = self.tributes[i].payer;
        self.hands[payer.index()].add(card);
        self.tributes[i].returned = Some(card);
        ev.push(Event::Returned { seat, card });
        if self.tributes.iter().all(|t| t.returned.is_some()) {
            let transfers = self
                .tributes
                .iter()
                .filter_map(|t| {
                    Some(Transfer {
                        from: t.receiver?,
                        to: t.payer,
                        card: t.returned?,
                    })
                })
                .collect();
            ev.push(Event::ReturnResult { transfers });
            let leader = self.leader_after_tribute.unwrap_or(Seat::ZERO);
            self.begin_play(leader, ev);
        }
        Ok(())
    }
}

fn prev_seat(s: Seat) -> Seat {
    s.next().next().next()
}

/// Pure form of [`Match::apply_mut`]: the next state and its events, or the reason the action is illegal.
pub fn apply(m: &Match, action: Action) -> Result<(Match, Vec<Event>), RuleError> {
    let mut next = m.clone();
    let ev = next.apply_mut(action)?;
    Ok((next, ev))
}

/// Replays `actions` from (seed, rules). On the first illegal action returns its index and the error.
pub fn replay(seed: Seed, rules: Rules, actions: &[Action]) -> Result<Match, (usize, RuleError)> {
    let (mut m, _) = Match::new(seed, rules);
    for (i, &a) in actions.iter().enumerate() {
        m.apply_mut(a).map_err(|e| (i, e))?;
    }
    Ok(m)
}
