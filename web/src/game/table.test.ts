// Protocol handling: envelope parsing, sequence checks (duplicates dropped, gaps → resync), and the
// table view kept up to date from events between snapshots.
import { describe, expect, it } from "vitest";
import type { ServerEnvelope, TableSnapshot } from "../protocol";
import { applyEnvelope, checkSeq, emptyTable, fromSnapshot, hostControls, parseServerFrame, timerMs, type TableView } from "./table";

const snapshot = (seq: number, hand: string[] | null = ["S5", "H5", "D9", "C3"]): TableSnapshot => ({
  table_id: "t1",
  seq,
  seat: 0,
  options: { rules: "official-2022", allow_bots: true, allow_spectators: true, fast_bots: true, timers: { play_ms: 3000, tribute_ms: 3000, return_ms: 3000 } },
  host: null,
  seats: [0, 1, 2, 3].map((seat) => ({ seat, player: { user_id: seat === 0 ? "1" : null, name: `p${seat}`, bot: seat !== 0 }, connected: true, ready: true, auto_play: false })),
  game: {
    rules_profile: "official-2022",
    hand_no: 0,
    level: "2",
    levels: ["2", "2"],
    declarer: null,
    phase: "play",
    awaiting: [0],
    counts: [4, 27, 27, 27],
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
});

const ev = (seq: number, type: string, payload: object): ServerEnvelope => ({ v: 1, table_id: "t1", seq, type, payload }) as unknown as ServerEnvelope;

describe("parseServerFrame", () => {
  it("accepts envelopes and normalises a missing payload", () => {
    expect(parseServerFrame('{"v":1,"type":"ack","id":"c1"}')).toEqual({ v: 1, type: "ack", id: "c1", payload: {} });
    const e = parseServerFrame('{"v":1,"table_id":"t1","seq":4,"type":"passed","payload":{"seat":2}}');
    expect(e?.seq).toBe(4);
  });
  it("rejects what is not an envelope", () => {
    for (const bad of ["", "nope", "[]", "1", '{"type":"ack"}', '{"v":1}', '{"v":1,"type":"x","payload":3}', '{"v":1,"type":"x","seq":-1}', '{"v":1,"type":"x","seq":1.5}']) {
      expect(parseServerFrame(bad)).toBeNull();
    }
  });
});

describe("sequence numbers", () => {
  it("classifies next, duplicate and gap like protocol::check_seq", () => {
    expect(checkSeq(0, 1)).toBe("next");
    expect(checkSeq(17, 18)).toBe("next");
    expect(checkSeq(17, 17)).toBe("duplicate");
    expect(checkSeq(17, 3)).toBe("duplicate");
    expect(checkSeq(17, 19)).toBe("gap");
  });
  it("applies the next event, drops duplicates and asks for a resync on a gap", () => {
    let view = fromSnapshot(snapshot(10));
    let r = applyEnvelope(view, ev(11, "played", { seat: 0, play: ["Pair", "5", ["S5", "H5"]] }));
    expect(r.resync).toBeUndefined();
    view = r.view;
    expect(view.seq).toBe(11);
    expect(view.game?.hand).toEqual(["D9", "C3"]);
    expect(view.game?.counts[0]).toBe(2);
    expect(view.game?.top?.seat).toBe(0);

    r = applyEnvelope(view, ev(11, "played", { seat: 0, play: ["Pair", "5", ["S5", "H5"]] }));
    expect(r.view).toBe(view); // duplicate: unchanged

    r = applyEnvelope(view, ev(13, "passed", { seat: 2 }));
    expect(r.resync).toBe(11);
    expect(r.view.resyncing).toBe(true);
    expect(r.view.seq).toBe(11);
    // Further events past the gap are dropped without a second resync request.
    const r2 = applyEnvelope(r.view, ev(14, "passed", { seat: 3 }));
    expect(r2.resync).toBeUndefined();
    expect(r2.view.seq).toBe(11);
    // The replayed events continue the stream.
    const r3 = applyEnvelope(r2.view, ev(12, "passed", { seat: 1 }));
    expect(r3.view.seq).toBe(12);
    expect(r3.view.resyncing).toBe(false);
    // A snapshot answer resets the stream at its seq.
    const r4 = applyEnvelope(r2.view, { v: 1, type: "table_snapshot", payload: snapshot(20, ["D9"]) } as ServerEnvelope);
    expect(r4.view.seq).toBe(20);
    expect(r4.view.game?.hand).toEqual(["D9"]);
  });
  it("keeps legal moves and hints (not table events) without touching seq", () => {
    const view = fromSnapshot(snapshot(5));
    const r = applyEnvelope(view, {
      v: 1,
      type: "legal_moves",
      payload: { table_id: "t1", seat: 0, phase: "play", list: "full", can_pass: false, plays: [["Single", "9", ["D9"]]], cards: [], truncated: false },
    } as ServerEnvelope);
    expect(r.view.legal?.plays.length).toBe(1);
    expect(r.view.seq).toBe(5);
    const h = applyEnvelope(r.view, { v: 1, type: "hint", payload: { table_id: "t1", action: { kind: "pass" } } } as ServerEnvelope);
    expect(h.view.hint).toEqual({ kind: "pass" });
  });
});

describe("table events", () => {
  it("tracks a deal, tribute with its public reveal, return, and results", () => {
    let v = fromSnapshot({ ...snapshot(0), game: null });
    const apply = (e: ServerEnvelope) => {
      const r = applyEnvelope(v, e);
      expect(r.resync).toBeUndefined();
      v = r.view;
    };
    apply(ev(1, "deal", { hand_no: 1, level: "3", seat: 0, count: 3, cards: ["SA", "S4", "HR"] }));
    apply(ev(2, "deal", { hand_no: 1, level: "3", seat: 1, count: 3, cards: null }));
    expect(v.game?.hand).toEqual(["SA", "S4", "HR"]);
    expect(v.game?.counts).toEqual([3, 3, 0, 0]);
    apply(ev(3, "tribute_start", { payers: [0] }));
    expect(v.game?.phase).toBe("tribute");
    apply(ev(4, "tribute_paid", { seat: 0, card: "HR" }));
    expect(v.game?.hand).toEqual(["SA", "S4"]);
    apply(ev(5, "tribute_result", { transfers: [{ from: 0, to: 1, card: "HR" }] }));
    expect(v.reveals.at(-1)).toEqual({ kind: "tribute", transfers: [{ from: 0, to: 1, card: "HR" }] });
    expect(v.game?.phase).toBe("return");
    expect(v.game?.counts).toEqual([2, 4, 0, 0]);
    apply(ev(6, "returned", { seat: 1, card: null }));
    apply(ev(7, "return_result", { transfers: [{ from: 1, to: 0, card: "C2" }] }));
    expect(v.game?.hand).toEqual(["SA", "S4", "C2"]);
    apply(ev(8, "first_lead", { seat: 0 }));
    expect(v.game?.phase).toBe("play");
    apply(ev(9, "auto_play", { seat: 2, on: true }));
    expect(v.seats[2].auto_play).toBe(true);
    apply(ev(10, "timer_started", { seat: 0, deadline_ms: 1, duration_ms: 3000 }));
    expect(v.timer?.duration_ms).toBe(3000);
    apply(ev(11, "emote", { seat: 1, emote: "clap" }));
    expect(v.bubbles.at(-1)?.id).toBe("clap");
    apply(ev(12, "hand_result", { hand_no: 1, level: "3", order: [0, 2, 1, 3], promoted: 0, steps: 3, levels: ["6", "3"], ace_reset: null }));
    expect(v.game?.levels).toEqual(["6", "3"]);
    expect(v.handResult?.steps).toBe(3);
    apply(ev(13, "match_result", { winner: 0 }));
    expect(v.matchWinner).toBe(0);
    expect(v.game?.phase).toBe("match_over");
    apply(ev(14, "table_closed", { reason: "finished" }));
    expect(v.closed).toBe("finished");
  });
  it("recognises our own seat from seat_changed", () => {
    let v: TableView = { ...emptyTable("t1"), myUserId: "42" };
    v = applyEnvelope(v, ev(1, "seat_changed", { seat: 2, player: { user_id: "42", name: "me", bot: false } })).view;
    expect(v.mySeat).toBe(2);
    v = applyEnvelope(v, ev(2, "seat_changed", { seat: 1, player: { user_id: null, name: "bot", bot: true } })).view;
    expect(v.mySeat).toBe(2);
    v = applyEnvelope(v, ev(3, "seat_changed", { seat: 2, player: null })).view;
    expect(v.mySeat).toBe(null);
  });
  it("starts empty for unknown tables", () => {
    expect(emptyTable("x").seats).toHaveLength(4);
  });
});

describe("host controls", () => {
  // A room before the first deal: we (user 42) host it from seat 0; a guest in seat 1, a bot in seat 3.
  const room = (): TableView => {
    const v = fromSnapshot({ ...snapshot(5), game: null, host: "42" }, { ...emptyTable("t1"), myUserId: "42" });
    return {
      ...v,
      seats: [
        { seat: 0, player: { user_id: "42", name: "host", bot: false }, connected: true, ready: true, auto_play: false },
        { seat: 1, player: { user_id: "43", name: "guest", bot: false }, connected: true, ready: true, auto_play: false },
        { seat: 2, player: null, connected: false, ready: false, auto_play: false },
        { seat: 3, player: { user_id: null, name: "Bot 1", bot: true }, connected: true, ready: true, auto_play: false },
      ],
    };
  };
  it("lets only the seated host edit, and only while no match runs", () => {
    expect(hostControls(room())).toEqual({ canEdit: true, kickable: [1, 3] });
    expect(hostControls({ ...room(), myUserId: "43", mySeat: 1 })).toEqual({ canEdit: false, kickable: [] });
    expect(hostControls({ ...room(), mySeat: null })).toEqual({ canEdit: false, kickable: [] });
    const running = { ...room(), game: snapshot(5).game };
    expect(hostControls(running).canEdit).toBe(false);
    const over = { ...running, game: { ...running.game!, phase: "match_over" as const }, matchWinner: 0 };
    expect(hostControls(over).canEdit).toBe(true);
    expect(hostControls({ ...room(), host: null }).canEdit).toBe(false);
  });
  it("applies room_updated (options replaced, humans not ready) and player_kicked", () => {
    let v = room();
    const options = { rules: "competition" as const, allow_bots: false, allow_spectators: false, fast_bots: false, timers: { play_ms: 30000, tribute_ms: 20000, return_ms: 40000 } };
    v = applyEnvelope(v, ev(6, "room_updated", { options })).view;
    expect(v.options).toEqual(options);
    expect(v.seats.map((s) => s.ready)).toEqual([false, false, false, true]);
    v = applyEnvelope(v, ev(7, "player_kicked", { seat: 1, player: { user_id: "43", name: "guest", bot: false } })).view;
    expect(v.kicked).toBe(false);
    v = applyEnvelope(v, ev(8, "seat_changed", { seat: 1, player: null })).view;
    expect(v.seats[1].player).toBeNull();
    expect(hostControls(v).kickable).toEqual([3]);
    // Seen from the removed guest: flagged, and a spectator once its seat is cleared.
    let g: TableView = { ...room(), myUserId: "43", mySeat: 1 };
    g = applyEnvelope(g, ev(6, "player_kicked", { seat: 1, player: { user_id: "43", name: "guest", bot: false } })).view;
    g = applyEnvelope(g, ev(7, "seat_changed", { seat: 1, player: null })).view;
    expect(g.kicked).toBe(true);
    expect(g.mySeat).toBeNull();
  });
  it("turns typed seconds into timer milliseconds within the protocol's range", () => {
    expect(timerMs(20)).toBe(20000);
    expect(timerMs(1)).toBe(3000);
    expect(timerMs(500)).toBe(120000);
    expect(timerMs(Number.NaN)).toBe(3000);
    expect(timerMs(7.4)).toBe(7000);
  });
});
