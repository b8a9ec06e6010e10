// The table screen's flow against a scripted Guandan server (the WebSocket is answered inside the
// browser context by playwright's routeWebSocket; accounts and the page come from the real binary):
// create a room, sit, ready, Hint + Play / Pass until the match result, with a sequence gap on the way
// that the client must notice and resync. Runs at both viewports.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { createRoomAndStart, playUntilMatchResult, signInAsGuest, start, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.stop();
});

const OPTIONS = { rules: "official-2022", allow_bots: true, allow_spectators: true, fast_bots: true, timers: { play_ms: 15000, tribute_ms: 15000, return_ms: 15000 } };

/** A minimal scripted table: the player leads singles, bots pass, every third turn the hint is pass. */
async function scriptedServer(context: BrowserContext): Promise<{ resyncs: number[] }> {
  const seen = { resyncs: [] as number[] };
  const deck: string[] = [];
  for (const s of "SHCD") for (const r of "23456789TJQKA") deck.push(s + r);
  await context.routeWebSocket(/\/v1\/ws/, (ws) => {
    let seq = 0;
    let hand = deck.slice(0, 27);
    let turns = 0;
    const seats = [0, 1, 2, 3].map((seat) => ({
      seat,
      player: seat ? { user_id: null, name: `Bot ${seat}`, bot: true } : null,
      connected: true,
      ready: seat !== 0,
      auto_play: false,
    }));
    const send = (type: string, payload: unknown, extra: object = {}) => ws.send(JSON.stringify({ v: 1, type, payload, ...extra }));
    const ev = (type: string, payload: unknown) => send(type, payload, { table_id: "t1", seq: ++seq });
    const legal = () =>
      send("legal_moves", {
        table_id: "t1",
        seat: 0,
        phase: "play",
        list: "full",
        can_pass: turns % 3 === 2,
        plays: hand.map((c) => ["Single", c[1], [c]]),
        cards: [],
        truncated: false,
      });
    const snapshot = (id?: string) =>
      send(
        "table_snapshot",
        {
          table_id: "t1",
          seq,
          seat: 0,
          options: OPTIONS,
          seats: seats.map((s) => (s.seat === 0 ? { ...s, player: { user_id: "1", name: "me", bot: false }, ready: true } : s)),
          game: {
            rules_profile: "official-2022",
            hand_no: 0,
            level: "2",
            levels: ["2", "2"],
            declarer: null,
            phase: "play",
            awaiting: [0],
            counts: [hand.length, 27, 27, 27],
            hand,
            top: null,
            trick: [],
            last_moves: [null, null, null, null],
            played: [],
            finish: [],
            tributes: [],
            anti_tribute: [],
            winner: null,
          },
          timer: null,
        },
        id ? { id } : {},
      );
    send("welcome", { protocol_version: 1, user_id: "1", server_time_ms: Date.now(), ws_message_bytes_max: 4096, request_id_bytes_max: 64, tables: [] });
    ws.onMessage((text) => {
      const msg = JSON.parse(String(text)) as { id?: string; type: string; payload: Record<string, unknown> };
      switch (msg.type) {
        case "room_create":
          send("room_created", { table_id: "t1", code: "ABC234" }, { id: msg.id });
          send("table_snapshot", { table_id: "t1", seq: 0, seat: null, options: OPTIONS, seats, game: null, timer: null });
          break;
        case "take_seat":
          send("ack", {}, { id: msg.id });
          ev("seat_changed", { seat: 0, player: { user_id: "1", name: "me", bot: false } });
          break;
        case "ready":
          send("ack", {}, { id: msg.id });
          ev("player_ready", { seat: 0 });
          for (let s = 0; s < 4; s++) ev("deal", { hand_no: 0, level: "2", seat: s, count: 27, cards: s === 0 ? hand : null });
          ev("first_lead", { seat: 0 });
          ev("timer_started", { seat: 0, deadline_ms: Date.now() + 15000, duration_ms: 15000 });
          legal();
          break;
        case "hint": {
          const action = turns % 3 === 2 ? { kind: "pass" } : { kind: "play", play: ["Single", hand[0][1], [hand[0]]] };
          send("hint", { table_id: "t1", action }, { id: msg.id });
          break;
        }
        case "play":
        case "pass": {
          send("ack", {}, { id: msg.id });
          turns++;
          if (msg.type === "play") {
            const card = (msg.payload.play as [string, string, string[]])[2][0];
            hand = hand.filter((_, i) => i !== hand.indexOf(card));
            ev("played", { seat: 0, play: msg.payload.play });
          } else ev("passed", { seat: 0 });
          if (turns === 4) seq++; // a lost message: the client must ask for a resync
          if (turns >= 8) {
            ev("player_out", { seat: 0, place: 1 });
            ev("hand_result", { hand_no: 0, level: "2", order: [0, 2, 1, 3], promoted: 0, steps: 3, levels: ["5", "2"], ace_reset: null });
            ev("match_result", { winner: 0 });
            break;
          }
          for (const s of [1, 2, 3]) ev("passed", { seat: s });
          ev("trick_won", { winner: 0, leader: 0, jiefeng: false });
          ev("timer_started", { seat: 0, deadline_ms: Date.now() + 15000, duration_ms: 15000 });
          legal();
          break;
        }
        case "resync":
          seen.resyncs.push(Number(msg.payload.last_seq));
          snapshot(msg.id);
          legal();
          break;
        default:
          send("ack", {}, msg.id ? { id: msg.id } : {});
      }
    });
  });
  return seen;
}

describe.each([
  { tag: "flow-desktop", width: 1280, height: 720 },
  { tag: "flow-phone", width: 844, height: 390 },
])("the table flow on $tag", ({ tag, width, height }) => {
  it("sits, plays with Hint + Play / Pass, resyncs after a gap and shows the result", async () => {
    const context = await h.browser.newContext({ viewport: { width, height } });
    const seen = await scriptedServer(context);
    const page = await context.newPage();
    try {
      await signInAsGuest(page, h.base, tag);
      await createRoomAndStart(page, tag);
      const turns = await playUntilMatchResult(page, tag, 120_000);
      expect(turns).toBe(8);
      expect(seen.resyncs.length).toBeGreaterThanOrEqual(1);
      expect(await page.getByTestId("match-result").textContent()).toBeTruthy();
      expect(await page.getByTestId("hand-card").count()).toBe(27 - 6);
    } finally {
      await context.close();
    }
  });
});
