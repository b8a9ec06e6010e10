// Replay stepping: folds a finished match's event list into what the table looked like after each
// step, with all four hands visible (the server reveals them once the match is over).
import type { CardCode, WireMove } from "../protocol";
import { removeCards } from "./cards";

export interface ReplayEvent {
  type: string;
  payload: Record<string, unknown>;
}

export interface ReplayFrame {
  handNo: number;
  level: string;
  hands: CardCode[][];
  lastMoves: Array<WireMove | null>;
  finish: number[];
  levels: [string, string];
  note: string;
}

/** Reads the event list from a replay answer, whichever key the server uses. */
export function replayEvents(data: Record<string, unknown>): ReplayEvent[] {
  const raw = (data.events ?? data.log ?? data.messages ?? []) as unknown[];
  if (!Array.isArray(raw)) return [];
  return raw
    .map((e) => {
      const o = e as Record<string, unknown>;
      if (typeof o.type === "string") return { type: o.type, payload: (o.payload ?? o) as Record<string, unknown> };
      // `{"Played": {...}}` style (Rust externally tagged enums).
      const keys = Object.keys(o);
      if (keys.length === 1) return { type: snake(keys[0]), payload: (o[keys[0]] ?? {}) as Record<string, unknown> };
      return null;
    })
    .filter((e): e is ReplayEvent => e !== null);
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

export function replayFrames(events: ReplayEvent[]): ReplayFrame[] {
  let f: ReplayFrame = { handNo: 0, level: "2", hands: [[], [], [], []], lastMoves: [null, null, null, null], finish: [], levels: ["2", "2"], note: "" };
  const frames: ReplayFrame[] = [f];
  for (const e of events) {
    const p = e.payload;
    const seat = Number(p.seat ?? 0);
    f = { ...f, hands: f.hands.map((h) => [...h]), lastMoves: [...f.lastMoves], finish: [...f.finish], note: e.type };
    switch (e.type) {
      case "deal":
        if (Number(p.hand_no ?? f.handNo) !== f.handNo || f.finish.length) {
          f.finish = [];
          f.lastMoves = [null, null, null, null];
        }
        f.handNo = Number(p.hand_no ?? f.handNo);
        f.level = String(p.level ?? f.level);
        if (Array.isArray(p.cards)) f.hands[seat] = [...(p.cards as string[])];
        break;
      case "played": {
        const play = p.play as [string, string, string[]];
        f.hands[seat] = removeCards(f.hands[seat], play[2]);
        f.lastMoves[seat] = play;
        f.note = `${seat}: ${play[0]} ${play[2].join(" ")}`;
        break;
      }
      case "passed":
        f.lastMoves[seat] = ["PASS", "PASS", "PASS"];
        break;
      case "trick_won":
        f.lastMoves = [null, null, null, null];
        break;
      case "player_out":
        f.finish.push(seat);
        break;
      case "tribute_result":
      case "return_result":
        for (const t of (p.transfers as Array<{ from: number; to: number; card: string }>) ?? []) {
          f.hands[t.from] = removeCards(f.hands[t.from], [t.card]);
          f.hands[t.to] = [...f.hands[t.to], t.card];
        }
        break;
      case "hand_result":
        if (Array.isArray(p.levels)) f.levels = p.levels as [string, string];
        break;
      default:
        break;
    }
    frames.push(f);
  }
  return frames;
}
