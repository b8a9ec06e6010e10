//! Legal-move generation: the full list (every distinct kind, key and multiset of concrete cards), the
//! canonical list (kind, key, size) and a compact list with one representative play per canonical entry.
//!
//! Wilds: the hearts of the level rank are never counted as naturals. A group of `k` cards of rank `r` is
//! `k - j` naturals of `r` plus `j` wilds; a group made only of wilds exists only for the level rank (a lone
//! wild or a wild pair reads as level cards). Because the natural part of every group determines where the
//! wilds stand, each enumeration below emits every (kind, key, multiset) exactly once without a dedupe pass.

use crate::card::{Card, Hand, RANK_COUNT, Rank, Suit};
use crate::combo::{CardSet, Key, Kind, Move, Play, level_value, seq_rank, shape_beats};
use crate::rules::Rules;

/// A hand pre-digested for generation: natural counts per rank and suit, wilds and jokers.
#[derive(Clone, Debug)]
pub struct HandInfo {
    level: Rank,
    wilds: u8,
    nat: [[u8; 4]; RANK_COUNT],
    tot: [u8; RANK_COUNT],
    sb: u8,
    hr: u8,
    /// Sub-multisets per rank and size (`subs[sub_start[r][k]..sub_start[r][k + 1]]`), built on demand
    /// for the full enumeration only.
    subs: Vec<Group>,
    sub_start: [[u16; 10]; RANK_COUNT],
}

impl HandInfo {
    /// Digests `hand` at `level`.
    pub fn new(hand: &Hand, level: Rank) -> HandInfo {
        let mut info = HandInfo {
            level,
            wilds: 0,
            nat: [[0; 4]; RANK_COUNT],
            tot: [0; RANK_COUNT],
            sb: hand.count(Card::SMALL_JOKER),
            hr: hand.count(Card::BIG_JOKER),
            subs: Vec::new(),
            sub_start: [[0; 10]; RANK_COUNT],
        };
        for r in Rank::all() {
            for s in Suit::ALL {
                let c = Card::new(r, s);
                let n = hand.count(c);
                if c.is_wild(level) {
                    info.wilds = n;
                } else {
                    info.nat[r.index()][s.index()] = n;
                    info.tot[r.index()] += n;
                }
            }
        }
        info
    }
    /// Fills the sub-multiset table used by the full enumeration.
    fn build_subs(&mut self) {
        let mut subs = Vec::with_capacity(256);
        for r in 0..RANK_COUNT {
            for k in 0..=8u8 {
                self.sub_start[r][usize::from(k)] = subs.len() as u16;
                if k <= self.tot[r] {
                    subsets(&self.nat[r], k, &mut |m| subs.push(Group::new(r, m)));
                }
            }
            self.sub_start[r][9] = subs.len() as u16;
        }
        self.subs = subs;
    }
    /// Count vectors (per suit) of `k` naturals of rank `r`.
    fn groups(&self, r: usize, k: u8) -> &[Group] {
        if k > 8 {
            return &[];
        }
        let a = usize::from(self.sub_start[r][usize::from(k)]);
        let b = usize::from(self.sub_start[r][usize::from(k) + 1]);
        &self.subs[a..b]
    }
    fn wild(&self) -> Card {
        Card::new(self.level, Suit::H)
    }
    /// Natural (non-wild) cards of rank index `r`.
    pub fn natural(&self, r: usize) -> u8 {
        self.tot[r]
    }
    /// Wilds held.
    pub fn wilds(&self) -> u8 {
        self.wilds
    }
}

fn rank(r: usize) -> Rank {
    Rank::new(r as u8).unwrap_or(Rank::TWO)
}

/// Every count vector `m <= ns` (per suit) summing to `k`.
fn subsets(ns: &[u8; 4], k: u8, f: &mut dyn FnMut([u8; 4])) {
    fn rec(ns: &[u8; 4], i: usize, left: u8, cur: &mut [u8; 4], f: &mut dyn FnMut([u8; 4])) {
        if i == 4 {
            if left == 0 {
                f(*cur);
            }
            return;
        }
        let rest: u8 = ns[i + 1..].iter().sum();
        let lo = left.saturating_sub(rest);
        for take in lo..=ns[i].min(left) {
            cur[i] = take;
            rec(ns, i + 1, left - take, cur, f);
        }
        cur[i] = 0;
    }
    if ns.iter().sum::<u8>() < k {
        return;
    }
    rec(ns, 0, k, &mut [0; 4], f);
}

/// The cards of one sub-multiset of a rank, ready to copy into a play.
#[derive(Clone, Copy, Debug)]
struct Group {
    cards: [Card; 8],
    len: u8,
}

impl Group {
    fn new(r: usize, m: [u8; 4]) -> Group {
        let mut g = Group {
            cards: [Card::SMALL_JOKER; 8],
            len: 0,
        };
        for (s, &n) in m.iter().enumerate() {
            for _ in 0..n {
                g.cards[usize::from(g.len)] = Card::new(rank(r), Suit::ALL[s]);
                g.len += 1;
            }
        }
        g
    }
}

fn push_group(set: &mut CardSet, g: &Group) {
    set.extend(&g.cards[..usize::from(g.len)]);
}

fn push_wilds(set: &mut CardSet, info: &HandInfo, j: u8) {
    for _ in 0..j {
        set.push(info.wild());
    }
}

fn emit(out: &mut Vec<Play>, kind: Kind, key: Key, mut set: CardSet) {
    set.sort();
    out.push(Play::new(kind, key, set));
}

/// Appends every play of `kind` (all keys, all concrete multisets) to `out`; needs `build_subs` first.
pub(crate) fn gen_kind(info: &HandInfo, kind: Kind, rules: &Rules, out: &mut Vec<Play>) {
    let w = info.wilds;
    let lv = info.level.index();
    match kind {
        Kind::Single => {
            for r in 0..RANK_COUNT {
                for s in 0..4 {
                    if info.nat[r][s] > 0 {
                        let mut set = CardSet::default();
                        set.push(Card::new(rank(r), Suit::ALL[s]));
                        emit(out, kind, Key::rank(rank(r)), set);
                    }
                }
            }
            if w > 0 {
                let mut set = CardSet::default();
                set.push(info.wild());
                emit(out, kind, Key::rank(info.level), set);
            }
            for (c, key) in jokers() {
                if info.count_joker(c) >= 1 {
                    let mut set = CardSet::default();
                    set.push(c);
                    emit(out, kind, key, set);
                }
            }
        }
        Kind::Pair | Kind::Trips => {
            let k = if kind == Kind::Pair { 2 } else { 3 };
            for r in 0..RANK_COUNT {
                for j in 0..=w.min(k) {
                    if j == k && !(r == lv && kind == Kind::Pair) {
                        continue;
                    }
                    for m in info.groups(r, k - j) {
                        let mut set = CardSet::default();
                        push_group(&mut set, m);
                        push_wilds(&mut set, info, j);
                        emit(out, kind, Key::rank(rank(r)), set);
                    }
                }
            }
            if kind == Kind::Pair {
                for (c, key) in jokers() {
                    if info.count_joker(c) == 2 {
                        let mut set = CardSet::default();
                        set.push(c);
                        set.push(c);
                        emit(out, kind, key, set);
                    }
                }
            }
        }
        Kind::Bomb => {
            for r in 0..RANK_COUNT {
                if info.tot[r] == 0 {
                    continue;
                }
                for k in 4..=(info.tot[r] + w) {
                    for j in 0..=w.min(k - 1) {
                        if k - j > info.tot[r] {
                            continue;
                        }
                        for m in info.groups(r, k - j) {
                            let mut set = CardSet::default();
                            push_group(&mut set, m);
                            push_wilds(&mut set, info, j);
                            emit(out, kind, Key::rank(rank(r)), set);
                        }
                    }
                }
            }
        }
        Kind::FourKings => {
            if info.sb == 2 && info.hr == 2 {
                let mut set = CardSet::default();
                for c in [
                    Card::SMALL_JOKER,
                    Card::SMALL_JOKER,
                    Card::BIG_JOKER,
                    Card::BIG_JOKER,
                ] {
                    set.push(c);
                }
                emit(out, kind, Key::JOKERS, set);
            }
        }
        Kind::ThreeWithTwo => gen_full_houses(info, rules, out),
        Kind::Straight | Kind::StraightFlush => gen_straights(info, kind, rules, out),
        Kind::ThreePair => gen_runs(info, 3, 2, 11, Kind::ThreePair, out),
        Kind::TwoTrips => gen_runs(info, 2, 3, 12, Kind::TwoTrips, out),
    }
}

/// The two jokers with the key of their singles and pairs.
fn jokers() -> [(Card, Key); 2] {
    [
        (Card::SMALL_JOKER, Key::SMALL_JOKER),
        (Card::BIG_JOKER, Key::BIG_JOKER),
    ]
}

impl HandInfo {
    fn count_joker(&self, c: Card) -> u8 {
        if c == Card::SMALL_JOKER {
            self.sb
        } else {
            self.hr
        }
    }
}

fn gen_full_houses(info: &HandInfo, rules: &Rules, out: &mut Vec<Play>) {
    let w = info.wilds;
    let lv = info.level.index();
    for t in 0..RANK_COUNT {
        if info.tot[t] == 0 {
            continue;
        }
        for j1 in 0..=w.min(2) {
            let triples = info.groups(t, 3 - j1);
            if triples.is_empty() {
                continue;
            }
            let left = w - j1;
            for mt in triples {
                // The triple part is shared by every pair below: build it once.
                let mut base = CardSet::default();
                push_group(&mut base, mt);
                push_wilds(&mut base, info, j1);
                for p in 0..RANK_COUNT {
                    if p == t {
                        continue;
                    }
                    for j2 in 0..=left.min(2) {
                        if j2 == 2 && p != lv {
                            continue;
                        }
                        for mp in info.groups(p, 2 - j2) {
                            let mut set = base;
                            push_group(&mut set, mp);
                            push_wilds(&mut set, info, j2);
                            emit(out, Kind::ThreeWithTwo, Key::rank(rank(t)), set);
                        }
                    }
                }
            }
            if rules.joker_pair_full_house {
                for (c, _) in jokers() {
                    if info.count_joker(c) == 2 {
                        for mt in triples {
                            let mut set = CardSet::default();
                            push_group(&mut set, mt);
                            push_wilds(&mut set, info, j1);
                            set.push(c);
                            set.push(c);
                            emit(out, Kind::ThreeWithTwo, Key::rank(rank(t)), set);
                        }
                    }
                }
            }
        }
    }
}

/// Positions (bit i = position i of a five-card run) that wilds may take: none, one or two of them.
const WILD_MASKS: [u8; 16] = [
    0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00011, 0b00101, 0b01001, 0b10001,
    0b00110, 0b01010, 0b10010, 0b01100, 0b10100, 0b11000,
];

fn gen_straights(info: &HandInfo, kind: Kind, rules: &Rules, out: &mut Vec<Play>) {
    let w = info.wilds;
    let wild = info.wild();
    let heart = 1u8 << Suit::H.index();
    for start in 0..=9 {
        let ranks: [usize; 5] = std::array::from_fn(|i| seq_rank(start + i).index());
        let missing = ranks.iter().filter(|&&r| info.tot[r] == 0).count() as u8;
        if missing > w {
            continue;
        }
        let key = Key::from_seq_start(start);
        if kind == Kind::StraightFlush {
            // One suit: positions without that suit must be wilds; any other position may also be a wild.
            for s in 0..4 {
                let need: u8 = (0..5)
                    .filter(|&i| info.nat[ranks[i]][s] == 0)
                    .fold(0, |m, i| m | 1 << i);
                if need.count_ones() as u8 > w {
                    continue;
                }
                for mask in 0u8..32 {
                    if mask & need != need || mask.count_ones() as u8 > w {
                        continue;
                    }
                    let mut set = CardSet::default();
                    for (i, &r) in ranks.iter().enumerate() {
                        set.push(if mask >> i & 1 == 1 {
                            wild
                        } else {
                            Card::new(rank(r), Suit::ALL[s])
                        });
                    }
                    emit(out, kind, key, set);
                }
            }
            continue;
        }
        // Plain straights: every choice of wild positions and of one natural suit per other position.
        let mut opts = [[(wild, 0u8); 4]; 5];
        let mut nopt = [0usize; 5];
        let mut avail = 0u8;
        for (i, &r) in ranks.iter().enumerate() {
            for s in 0..4 {
                if info.nat[r][s] > 0 {
                    opts[i][nopt[i]] = (Card::new(rank(r), Suit::ALL[s]), 1 << s);
                    nopt[i] += 1;
                    avail |= 1 << i;
                }
            }
        }
        for &mask in WILD_MASKS.iter() {
            let wc = mask.count_ones() as u8;
            // Too many wilds, or a position with no natural left unfilled.
            if wc > w || !mask & !avail & 0x1f != 0 {
                continue;
            }
            let mut idx = [0usize; 5];
            'odometer: loop {
                let mut set = CardSet::default();
                let mut suits = 0u8;
                for i in 0..5 {
                    if mask >> i & 1 == 1 {
                        set.push(wild);
                    } else {
                        let (c, bit) = opts[i][idx[i]];
                        set.push(c);
                        suits |= bit;
                    }
                }
                // A wild is physically a heart: a run whose cards are all hearts stays a flush.
                let physical = if wc > 0 { suits | heart } else { suits };
                if suits.count_ones() > 1
                    || (rules.wild_flush_as_straight && physical.count_ones() > 1)
                {
                    emit(out, kind, key, set);
                }
                let mut i = 0;
                loop {
                    if i == 5 {
                        break 'odometer;
                    }
                    if mask >> i & 1 == 0 {
                        idx[i] += 1;
                        if idx[i] < nopt[i] {
                            break;
                        }
                        idx[i] = 0;
                    }
                    i += 1;
                }
            }
        }
    }
}

fn gen_runs(
    info: &HandInfo,
    width: usize,
    per: u8,
    last_start: usize,
    kind: Kind,
    out: &mut Vec<Play>,
) {
    struct Run<'a> {
        info: &'a HandInfo,
        kind: Kind,
        start: usize,
        width: usize,
        per: u8,
        /// Wilds still needed by positions after `i` (prunes branches that would spend them too early).
        need_after: [u8; 3],
        out: &'a mut Vec<Play>,
    }
    fn rec(run: &mut Run<'_>, i: usize, set: CardSet, wl: u8) {
        if i == run.width {
            emit(run.out, run.kind, Key::from_seq_start(run.start), set);
            return;
        }
        let r = seq_rank(run.start + i).index();
        let info = run.info;
        let spare = wl - run.need_after[i].min(wl);
        for j in run.per.saturating_sub(info.tot[r])..=spare.min(run.per) {
            for m in info.groups(r, run.per - j) {
                let mut s2 = set;
                push_group(&mut s2, m);
                push_wilds(&mut s2, info, j);
                rec(run, i + 1, s2, wl - j);
            }
        }
    }
    for start in 0..=last_start {
        let missing: u8 = (start..start + width)
            .map(|p| per.saturating_sub(info.tot[seq_rank(p).index()]))
            .sum();
        if missing > info.wilds {
            continue;
        }
        let mut need_after = [0u8; 3];
        for i in (0..width.saturating_sub(1)).rev() {
            need_after[i] =
                need_after[i + 1] + per.saturating_sub(info.tot[seq_rank(start + i + 1).index()]);
        }
        let mut run = Run {
            info,
            kind,
            start,
            width,
            per,
            need_after,
            out: &mut *out,
        };
        rec(&mut run, 0, CardSet::default(), info.wilds);
    }
}

/// Every play in `hand` that may be made now: all plays when leading (`top` is `None`), else the plays
/// that beat `top`. Each distinct (kind, key, multiset of concrete cards) appears exactly once.
pub fn plays(hand: &Hand, level: Rank, top: Option<&Play>, rules: &Rules) -> Vec<Play> {
    let mut info = HandInfo::new(hand, level);
    info.build_subs();
    let mut out = Vec::with_capacity(if top.is_none() { 2048 } else { 64 });
    match top {
        None => {
            for k in Kind::ALL {
                gen_kind(&info, k, rules, &mut out);
            }
        }
        Some(t) => {
            if !t.kind.is_bomb() {
                gen_kind(&info, t.kind, rules, &mut out);
            }
            for k in [Kind::Bomb, Kind::StraightFlush, Kind::FourKings] {
                gen_kind(&info, k, rules, &mut out);
            }
            out.retain(|p| p.beats(t, level, rules));
        }
    }
    out
}

/// The full legal list in the play phase: [`plays`] plus `Pass` when following.
pub fn legal_moves(hand: &Hand, level: Rank, top: Option<&Play>, rules: &Rules) -> Vec<Move> {
    let mut v: Vec<Move> = plays(hand, level, top, rules)
        .into_iter()
        .map(Move::Play)
        .collect();
    if top.is_some() {
        v.push(Move::Pass);
    }
    v
}

/// One canonical entry: kind, key and number of cards.
pub type Canonical = (Kind, Key, u8);

/// Every (kind, key, size) that `hand` can play, computed from counts only (no card enumeration).
pub fn canonical(hand: &Hand, level: Rank, rules: &Rules) -> Vec<Canonical> {
    let info = HandInfo::new(hand, level);
    let mut out = Vec::with_capacity(64);
    canonical_info(&info, rules, &mut out);
    out
}

fn canonical_info(info: &HandInfo, rules: &Rules, out: &mut Vec<Canonical>) {
    canonical_filtered(info, rules, None, out);
}

/// The canonical list; with `only`, restricted to what could follow a play of that kind (the kind itself
/// unless it is a bomb, and every bomb type), which is all a follower needs.
fn canonical_filtered(
    info: &HandInfo,
    rules: &Rules,
    only: Option<Kind>,
    out: &mut Vec<Canonical>,
) {
    let want = |k: Kind| match only {
        None => true,
        Some(t) => k.is_bomb() || (k == t && !t.is_bomb()),
    };
    let w = info.wilds;
    let lv = info.level.index();
    let k = |r: usize| Key::rank(rank(r));
    let small = want(Kind::Single) || want(Kind::Pair) || want(Kind::Trips);
    for r in (0..RANK_COUNT).filter(|_| small) {
        let t = info.tot[r];
        if t > 0 || (r == lv && w > 0) {
            out.push((Kind::Single, k(r), 1));
        }
        if (t >= 1 && t + w >= 2) || (r == lv && w == 2) {
            out.push((Kind::Pair, k(r), 2));
        }
        if t >= 1 && t + w >= 3 {
            out.push((Kind::Trips, k(r), 3));
        }
    }
    for (c, key) in jokers().into_iter().filter(|_| small) {
        let n = info.count_joker(c);
        if n >= 1 {
            out.push((Kind::Single, key, 1));
        }
        if n == 2 {
            out.push((Kind::Pair, key, 2));
        }
    }
    for t in (0..RANK_COUNT).filter(|_| want(Kind::ThreeWithTwo)) {
        if info.tot[t] == 0 || info.tot[t] + w < 3 {
            continue;
        }
        let left = w - 3u8.saturating_sub(info.tot[t]);
        let pair_ok = (0..RANK_COUNT).any(|p| {
            p != t && {
                let need = 2u8.saturating_sub(info.tot[p]);
                need <= left && (need < 2 || p == lv)
            }
        }) || (rules.joker_pair_full_house && (info.sb == 2 || info.hr == 2));
        if pair_ok {
            out.push((Kind::ThreeWithTwo, k(t), 5));
        }
    }
    let runs = want(Kind::Straight) || want(Kind::StraightFlush);
    for start in (0..=9).filter(|_| runs) {
        let ranks = || (start..start + 5).map(|p| seq_rank(p).index());
        let missing = ranks().filter(|&r| info.tot[r] == 0).count() as u8;
        let key = Key::from_seq_start(start);
        let mut flush_suits = 0u8;
        for s in 0..4 {
            let miss_s = ranks().filter(|&r| info.nat[r][s] == 0).count() as u8;
            if miss_s <= w {
                flush_suits |= 1 << s;
            }
        }
        let flush = flush_suits != 0;
        let non_heart_flush = flush_suits & !(1 << Suit::H.index()) != 0;
        if missing <= w {
            // A mixed-suit realisation exists unless every natural position offers only one and the same suit.
            let mut union = 0u8;
            let mut all_single = true;
            for r in ranks() {
                let mask = (0..4)
                    .filter(|&s| info.nat[r][s] > 0)
                    .fold(0u8, |m, s| m | (1 << s));
                if mask != 0 {
                    union |= mask;
                    if mask.count_ones() > 1 {
                        all_single = false;
                    }
                }
            }
            let mixed = !(all_single && union.count_ones() <= 1);
            if mixed || (w > 0 && rules.wild_flush_as_straight && non_heart_flush) {
                out.push((Kind::Straight, key, 5));
            }
        }
        if flush {
            out.push((Kind::StraightFlush, key, 5));
        }
    }
    for (width, per, last, kind) in [
        (3usize, 2u8, 11usize, Kind::ThreePair),
        (2, 3, 12, Kind::TwoTrips),
    ]
    .into_iter()
    .filter(|&(_, _, _, k)| want(k))
    {
        for start in 0..=last {
            let missing: u8 = (start..start + width)
                .map(|p| per.saturating_sub(info.tot[seq_rank(p).index()]))
                .sum();
            if missing <= w {
                out.push((kind, Key::from_seq_start(start), width as u8 * per));
            }
        }
    }
    for r in 0..RANK_COUNT {
        if info.tot[r] == 0 {
            continue;
        }
        for size in 4..=(info.tot[r] + w) {
            out.push((Kind::Bomb, k(r), size));
        }
    }
    if info.sb == 2 && info.hr == 2 {
        out.push((Kind::FourKings, Key::JOKERS, 4));
    }
}

/// One representative play per canonical entry that may be made now (fewest wilds, naturals taken in suit
/// order), plus `Pass` when following. This is the list the bots search: small and cheap.
pub fn compact_moves(hand: &Hand, level: Rank, top: Option<&Play>, rules: &Rules) -> Vec<Move> {
    let info = HandInfo::new(hand, level);
    let mut can = Vec::with_capacity(64);
    canonical_filtered(&info, rules, top.map(|t| t.kind), &mut can);
    let mut out = Vec::with_capacity(can.len() + 1);
    for (kind, key, size) in can {
        if top.is_some_and(|t| !shape_beats((kind, key, size), t, level, rules)) {
            continue;
        }
        if let Some(p) = representative(&info, rules, kind, key, size) {
            out.push(Move::Play(p));
        }
    }
    if top.is_some() {
        out.push(Move::Pass);
    }
    out
}

/// Takes up to `k` naturals of rank `r` (suits in order) and fills with wilds; `None` when impossible.
fn fill_group(info: &HandInfo, set: &mut CardSet, r: usize, k: u8, wl: &mut u8) -> Option<()> {
    let mut need = k;
    for s in 0..4 {
        let take = info.nat[r][s].min(need);
        for _ in 0..take {
            set.push(Card::new(rank(r), Suit::ALL[s]));
        }
        need -= take;
    }
    if need > *wl {
        return None;
    }
    *wl -= need;
    push_wilds(set, info, need);
    Some(())
}

/// Builds one concrete play for a canonical entry.
pub fn representative(
    info: &HandInfo,
    rules: &Rules,
    kind: Kind,
    key: Key,
    size: u8,
) -> Option<Play> {
    let mut set = CardSet::default();
    let mut wl = info.wilds;
    let lv = info.level.index();
    match kind {
        Kind::Single | Kind::Pair if key.as_rank().is_none() => {
            let c = if key == Key::SMALL_JOKER {
                Card::SMALL_JOKER
            } else {
                Card::BIG_JOKER
            };
            for _ in 0..size {
                set.push(c);
            }
        }
        Kind::Single | Kind::Pair | Kind::Trips | Kind::Bomb => {
            let r = key.as_rank()?.index();
            fill_group(info, &mut set, r, size, &mut wl)?;
            if set.as_slice().iter().all(|c| c.is_wild(info.level)) && r != lv {
                return None;
            }
        }
        Kind::FourKings => {
            for c in [
                Card::SMALL_JOKER,
                Card::SMALL_JOKER,
                Card::BIG_JOKER,
                Card::BIG_JOKER,
            ] {
                set.push(c);
            }
        }
        Kind::ThreeWithTwo => {
            let t = key.as_rank()?.index();
            fill_group(info, &mut set, t, 3, &mut wl)?;
            // Pair: prefer an exact natural pair of the lowest value, then any natural pair, then wild help.
            let mut order: Vec<usize> = (0..RANK_COUNT).filter(|&p| p != t).collect();
            order.sort_by_key(|&p| {
                let exact = info.tot[p] == 2;
                (
                    !exact,
                    info.tot[p] < 2,
                    level_value(Key::rank(rank(p)), info.level),
                )
            });
            let mut done = false;
            for p in order {
                let need = 2u8.saturating_sub(info.tot[p]);
                if need <= wl && (need < 2 || p == lv) {
                    fill_group(info, &mut set, p, 2, &mut wl)?;
                    done = true;
                    break;
                }
            }
            if !done && rules.joker_pair_full_house {
                for (c, _) in jokers() {
                    if info.count_joker(c) == 2 {
                        set.push(c);
                        set.push(c);
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                return None;
            }
        }
        Kind::Straight | Kind::StraightFlush => {
            let start = key.seq_start();
            let ranks: Vec<usize> = (start..start + 5).map(|p| seq_rank(p).index()).collect();
            if kind == Kind::StraightFlush {
                let s = (0..4).find(|&s| {
                    ranks.iter().filter(|&&r| info.nat[r][s] == 0).count() as u8 <= info.wilds
                })?;
                for &r in &ranks {
                    if info.nat[r][s] > 0 {
                        set.push(Card::new(rank(r), Suit::ALL[s]));
                    } else {
                        push_wilds(&mut set, info, 1);
                    }
                }
            } else {
                let mut suits = 0u8;
                let mut chosen: Vec<Option<usize>> = Vec::with_capacity(5);
                for &r in &ranks {
                    let s = (0..4).find(|&s| info.nat[r][s] > 0);
                    if let Some(s) = s {
                        suits |= 1 << s;
                    }
                    chosen.push(s);
                }
                if suits.count_ones() == 1 {
                    // Switch one position to another suit to make it a plain straight, else use a wild.
                    let only = suits.trailing_zeros() as usize;
                    let mut switched = false;
                    for (i, &r) in ranks.iter().enumerate() {
                        if let Some(s) = (0..4).find(|&s| s != only && info.nat[r][s] > 0) {
                            chosen[i] = Some(s);
                            switched = true;
                            break;
                        }
                    }
                    if !switched {
                        if !(rules.wild_flush_as_straight
                            && info.wilds > 0
                            && only != Suit::H.index())
                        {
                            return None;
                        }
                        if chosen.iter().all(Option::is_some) {
                            chosen[0] = None;
                        }
                    }
                }
                for (i, &r) in ranks.iter().enumerate() {
                    match chosen[i] {
                        Some(s) => set.push(Card::new(rank(r), Suit::ALL[s])),
                        None => push_wilds(&mut set, info, 1),
                    }
                }
                let wilds_used = set
                    .as_slice()
                    .iter()
                    .filter(|c| c.is_wild(info.level))
                    .count();
                if wilds_used > usize::from(info.wilds) {
                    return None;
                }
            }
        }
        Kind::ThreePair | Kind::TwoTrips => {
            let (width, per) = if kind == Kind::ThreePair {
                (3, 2)
            } else {
                (2, 3)
            };
            let start = key.seq_start();
            for p in start..start + width {
                fill_group(info, &mut set, seq_rank(p).index(), per, &mut wl)?;
            }
        }
    }
    set.sort();
    Some(Play::new(kind, key, set))
}
