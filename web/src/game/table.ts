// Client-side table state: applies server envelopes in sequence order, detects gaps (→ resync) and
// keeps the recipient's view (hand, counts, trick, timers, results) up to date between snapshots.
import type {
  GameState,
  HandResultInfo,
  LegalMoves,
  RoomOptions,
  SeatInfo,
  ServerEnvelope,
  SuggestedAction,
  TableSnapshot,
  TimerInfo,
  TransferInfo,
  WireMove,
  CloseReason,
} from "../protocol";
import { removeCards } from "./cards";

export type SeqCheck = "next" | "duplicate" | "gap";

/** Mirrors `protocol::check_seq`: the next event is `last + 1`. */
export function checkSeq(lastSeq: number, seq: number): SeqCheck {
  if (seq === lastSeq + 1) return "next";
  if (seq <= lastSeq) return "duplicate";
  return "gap";
}

export interface Bubble {
  seat: number;
  kind: "emote" | "phrase";
  id: string;
  at: number;
}

export interface TableView {
  tableId: string;
  /** The signed-in user's id (to recognise our own `seat_changed`). */
  myUserId?: string;
  code?: string;
  seq: number;
  mySeat: number | null;
  options: RoomOptions | null;
  seats: SeatInfo[];
  game: GameState | null;
  timer: TimerInfo | null;
  legal: LegalMoves | null;
  /** Counts `legal_moves` received, so a UI (or a test) can tell a new turn from the last one. */
  legalVersion: number;
  /** Actions of my seat the server applied (plays, passes, tributes, returns), auto-play included. */
  myMoves: number;
  hint: SuggestedAction | null;
  handResult: HandResultInfo | null;
  matchWinner: number | null | undefined;
  closed: CloseReason | null;
  reveals: Array<{ kind: "tribute" | "return" | "anti_tribute"; transfers: TransferInfo[]; seats?: number[]; cards?: string[] }>;
  bubbles: Bubble[];
  /** Waiting for a resync answer after a gap. */
  resyncing: boolean;
  /** The private room's host (user id), from the snapshot. */
  host: string | null;
  /** The host removed us from our seat at this table. */
  kicked: boolean;
}

export function emptyTable(tableId: string): TableView {
  return {
    tableId,
    seq: 0,
    mySeat: null,
    options: null,
    seats: [0, 1, 2, 3].map((seat) => ({ seat, player: null, connected: false, ready: false, auto_play: false })),
    game: null,
    timer: null,
    legal: null,
    legalVersion: 0,
    myMoves: 0,
    hint: null,
    handResult: null,
    matchWinner: undefined,
    closed: null,
    reveals: [],
    bubbles: [],
    resyncing: false,
    host: null,
    kicked: false,
  };
}

export function fromSnapshot(s: TableSnapshot, prev?: TableView): TableView {
  return {
    ...emptyTable(s.table_id),
    myUserId: prev?.myUserId,
    code: prev?.code,
    seq: s.seq,
    mySeat: s.seat,
    options: s.options,
    seats: s.seats,
    game: s.game,
    timer: s.timer,
    matchWinner: s.game?.phase === "match_over" ? s.game.winner : undefined,
    handResult: prev?.handResult ?? null,
    legalVersion: prev?.legalVersion ?? 0,
    myMoves: prev?.myMoves ?? 0,
    bubbles: prev?.bubbles ?? [],
    host: s.host,
    kicked: prev?.kicked ?? false,
  };
}

export interface ApplyResult {
  view: TableView;
  /** Send `resync {table_id, last_seq}` with this value. */
  resync?: number;
}

const PASS: WireMove = ["PASS", "PASS", "PASS"];

function setSeat(view: TableView, seat: number, patch: Partial<SeatInfo>): SeatInfo[] {
  return view.seats.map((s) => (s.seat === seat ? { ...s, ...patch } : s));
}

function withGame(view: TableView, f: (g: GameState) => Partial<GameState>): TableView {
  if (!view.game) return view;
  return { ...view, game: { ...view.game, ...f(view.game) } };
}

function counts(g: GameState, seat: number, delta: number): [number, number, number, number] {
  const c = [...g.counts] as [number, number, number, number];
  c[seat] = Math.max(0, c[seat] + delta);
  return c;
}

function lastMoves(g: GameState, seat: number, m: WireMove | null): GameState["last_moves"] {
  const l = [...g.last_moves] as GameState["last_moves"];
  l[seat] = m;
  return l;
}

function newGame(level: string, handNo: number, prev: GameState | null): GameState {
  return {
    rules_profile: prev?.rules_profile ?? "official-2022",
    hand_no: handNo,
    level,
    levels: prev?.levels ?? ["2", "2"],
    declarer: prev?.declarer ?? null,
    phase: "play",
    awaiting: [],
    counts: [0, 0, 0, 0],
    hand: null,
    top: null,
    trick: [],
    last_moves: [null, null, null, null],
    played: [],
    finish: [],
    tributes: [],
    anti_tribute: [],
    winner: null,
  };
}

/** Applies one table event (already known to be the next in sequence). */
export function applyEvent(view: TableView, env: ServerEnvelope): TableView {
  const me = view.mySeat;
  let v: TableView = { ...view, seq: env.seq ?? view.seq };
  switch (env.type) {
    case "seat_changed": {
      const { seat, player } = env.payload;
      // Taking a seat is answered by `ack` + `seat_changed`: our own user id in a seat makes it ours.
      let mySeat = v.mySeat;
      if (v.myUserId && player?.user_id === v.myUserId) mySeat = seat;
      else if (mySeat === seat) mySeat = null;
      return { ...v, mySeat, seats: setSeat(v, seat, { player, ready: false }) };
    }
    case "presence":
      return { ...v, seats: setSeat(v, env.payload.seat, { connected: env.payload.connected }) };
    case "player_ready":
      return { ...v, seats: setSeat(v, env.payload.seat, { ready: true }) };
    case "deal": {
      const p = env.payload;
      let g = v.game && v.game.hand_no === p.hand_no ? v.game : newGame(p.level, p.hand_no, v.game);
      g = { ...g, level: p.level, counts: counts(g, p.seat, p.count - g.counts[p.seat]) };
      if (p.seat === me && p.cards) g = { ...g, hand: [...p.cards] };
      return { ...v, game: g, reveals: p.hand_no === view.game?.hand_no ? v.reveals : [], legal: null, hint: null };
    }
    case "anti_tribute":
      v = withGame(v, () => ({ anti_tribute: env.payload.seats }));
      return { ...v, reveals: [...v.reveals, { kind: "anti_tribute", transfers: [], seats: env.payload.seats, cards: env.payload.cards }] };
    case "tribute_start":
      return withGame(v, () => ({
        phase: "tribute",
        awaiting: env.payload.payers,
        tributes: env.payload.payers.map((payer) => ({ payer, card: null, receiver: null, returned: null })),
      }));
    case "tribute_paid": {
      const { seat, card } = env.payload;
      v = withGame(v, (g) => ({
        counts: counts(g, seat, -1),
        hand: seat === me && card && g.hand ? removeCards(g.hand, [card]) : g.hand,
        awaiting: g.awaiting.filter((s) => s !== seat),
      }));
      return seat === me ? { ...v, legal: null, hint: null, myMoves: v.myMoves + 1 } : v;
    }
    case "tribute_result":
    case "return_result": {
      const transfers = env.payload.transfers;
      v = withGame(v, (g) => {
        let c = g.counts;
        let hand = g.hand;
        for (const t of transfers) {
          c = counts({ ...g, counts: c }, t.to, 1);
          if (t.to === me && hand) hand = [...hand, t.card];
        }
        const tributes =
          env.type === "tribute_result"
            ? transfers.map((t) => ({ payer: t.from, card: t.card, receiver: t.to, returned: null }))
            : g.tributes.map((tr) => {
                const back = transfers.find((t) => t.to === tr.payer);
                return back ? { ...tr, returned: back.card } : tr;
              });
        return {
          counts: c,
          hand,
          tributes,
          phase: env.type === "tribute_result" ? "return" : g.phase,
          awaiting: env.type === "tribute_result" ? transfers.map((t) => t.to) : [],
        };
      });
      return { ...v, reveals: [...v.reveals, { kind: env.type === "tribute_result" ? "tribute" : "return", transfers }] };
    }
    case "returned": {
      const { seat, card } = env.payload;
      v = withGame(v, (g) => ({
        counts: counts(g, seat, -1),
        hand: seat === me && card && g.hand ? removeCards(g.hand, [card]) : g.hand,
        awaiting: g.awaiting.filter((s) => s !== seat),
      }));
      return seat === me ? { ...v, legal: null, hint: null, myMoves: v.myMoves + 1 } : v;
    }
    case "first_lead":
      return withGame(v, () => ({ phase: "play", awaiting: [env.payload.seat], trick: [], top: null }));
    case "played": {
      const { seat, play } = env.payload;
      v = withGame(v, (g) => ({
        counts: counts(g, seat, -play[2].length),
        hand: seat === me && g.hand ? removeCards(g.hand, play[2]) : g.hand,
        top: { seat, play },
        trick: [...g.trick, { seat, move: play }],
        last_moves: lastMoves(g, seat, play),
        played: [...g.played, ...play[2]],
        awaiting: [],
      }));
      return seat === me ? { ...v, legal: null, hint: null, myMoves: v.myMoves + 1 } : v;
    }
    case "passed": {
      const { seat } = env.payload;
      v = withGame(v, (g) => ({ trick: [...g.trick, { seat, move: PASS }], last_moves: lastMoves(g, seat, PASS), awaiting: [] }));
      return seat === me ? { ...v, legal: null, hint: null, myMoves: v.myMoves + 1 } : v;
    }
    case "trick_won":
      return withGame(v, (g) => ({
        top: null,
        trick: [],
        last_moves: [null, null, null, null],
        awaiting: g.phase === "play" ? [env.payload.leader] : g.awaiting,
      }));
    case "player_out":
      return withGame(v, (g) => ({ finish: [...g.finish, env.payload.seat] }));
    case "hand_result":
      v = withGame(v, () => ({ levels: env.payload.levels }));
      return { ...v, handResult: env.payload, timer: null, legal: null, hint: null };
    case "match_result":
      v = withGame(v, () => ({ phase: "match_over", winner: env.payload.winner, awaiting: [] }));
      return { ...v, matchWinner: env.payload.winner, timer: null, legal: null, hint: null };
    case "timer_started":
      v = withGame(v, (g) => ({ awaiting: g.phase === "play" ? [env.payload.seat] : g.awaiting }));
      return { ...v, timer: env.payload, legal: v.legal && v.legal.seat === env.payload.seat ? v.legal : null };
    case "auto_play":
      return { ...v, seats: setSeat(v, env.payload.seat, { auto_play: env.payload.on }) };
    case "emote":
      return { ...v, bubbles: [...v.bubbles.slice(-7), { seat: env.payload.seat, kind: "emote", id: env.payload.emote, at: Date.now() }] };
    case "quick_phrase":
      return { ...v, bubbles: [...v.bubbles.slice(-7), { seat: env.payload.seat, kind: "phrase", id: env.payload.phrase, at: Date.now() }] };
    case "table_closed":
      return { ...v, closed: env.payload.reason, timer: null, legal: null };
    case "room_updated":
      // New options: every human confirms again (ready before the first match, play again after one).
      return {
        ...v,
        options: env.payload.options,
        seats: v.seats.map((s) => (s.player && !s.player.bot ? { ...s, ready: false } : s)),
      };
    case "player_kicked": {
      const mine = !!v.myUserId && env.payload.player.user_id === v.myUserId;
      return mine ? { ...v, kicked: true, legal: null, hint: null } : v;
    }
    default:
      return v;
  }
}

/**
 * Applies one envelope addressed to this table. Table events are checked against the last `seq`:
 * duplicates are dropped, a gap asks for a resync (events after the gap are dropped until the resync
 * answer — replayed events or a snapshot — arrives).
 */
export function applyEnvelope(view: TableView, env: ServerEnvelope): ApplyResult {
  switch (env.type) {
    case "table_snapshot":
      return { view: fromSnapshot(env.payload, view) };
    case "legal_moves":
      return { view: { ...view, legal: env.payload, legalVersion: view.legalVersion + 1, hint: null } };
    case "hint":
      return { view: { ...view, hint: env.payload.action } };
    case "room_created":
      return { view: { ...view, code: env.payload.code } };
    default:
      break;
  }
  if (env.seq === undefined || env.seq === null) return { view };
  const check = checkSeq(view.seq, env.seq);
  if (check === "duplicate") return { view };
  if (check === "gap") {
    if (view.resyncing) return { view };
    return { view: { ...view, resyncing: true }, resync: view.seq };
  }
  return { view: { ...applyEvent(view, env), resyncing: false } };
}

/** Parses one server frame; null for anything that is not a well-formed envelope. */
export function parseServerFrame(text: string): ServerEnvelope | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.type !== "string" || typeof o.v !== "number") return null;
  if (o.payload === undefined || o.payload === null) o.payload = {};
  if (typeof o.payload !== "object") return null;
  if (o.seq !== undefined && (typeof o.seq !== "number" || !Number.isInteger(o.seq) || o.seq < 0)) return null;
  return o as unknown as ServerEnvelope;
}

/** Team of a seat: seats 0 & 2 are team 0, 1 & 3 team 1. */
export function teamOf(seat: number): number {
  return seat % 2;
}

/** The host may change the room only while no match runs: before the first deal or after the result. */
export function noMatchRunning(view: TableView): boolean {
  return !view.game || view.game.phase === "match_over" || view.matchWinner !== undefined;
}

/** What the signed-in user may do as host: edit the options, and which seats it may clear. */
export function hostControls(view: TableView): { canEdit: boolean; kickable: number[] } {
  const isHost = !!view.host && view.host === view.myUserId && view.mySeat !== null;
  const canEdit = isHost && !view.closed && noMatchRunning(view);
  const kickable = canEdit ? view.seats.filter((s) => s.player && s.seat !== view.mySeat).map((s) => s.seat) : [];
  return { canEdit, kickable };
}

/** Shortest and longest room timer in seconds (`TIMER_MS_MIN` / `TIMER_MS_MAX` of the protocol). */
export const TIMER_SECS_MIN = 3;
export const TIMER_SECS_MAX = 120;

/** A timer typed in seconds, as the milliseconds the protocol accepts (rounded, clamped). */
export function timerMs(secs: number): number {
  const s = Number.isFinite(secs) ? Math.round(secs) : TIMER_SECS_MIN;
  return Math.min(TIMER_SECS_MAX, Math.max(TIMER_SECS_MIN, s)) * 1000;
}
