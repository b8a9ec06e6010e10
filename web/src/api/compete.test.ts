// The contests API module against a mocked fetch: paths, query strings and bodies sent, and the
// server's JSON (answers recorded from a real `playhouse serve`) read into typed shapes — money as
// integer minor units, user ids and tickets as decimal strings, a final ticket draw verifiable.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "./endpoints";
import { parseContestDetail, parseStandings } from "./compete";
import { checkContest } from "../compete/view";

let calls: Array<{ url: string; method: string; body: unknown }>;
let answer: (url: string) => { status: number; body: unknown };

beforeEach(() => {
  calls = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? "GET", body: init.body ? JSON.parse(String(init.body)) : undefined });
    const a = answer(url);
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { "Content-Type": "application/json" } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const ok = (body: unknown) => () => ({ status: 200, body });

// Recorded from the server (docs/compete.md's API) for an opt-in ladder contest and a final ticket draw.
const LIST = {
  contests: [
    {
      currency: "PLAY",
      ends_at_ms: 1796679568000,
      entry_fee: 100,
      id: "e2e-sprint",
      join: "opt_in",
      joined: false,
      kind: "tournament",
      name: { en: "E2E dice sprint", zh: "端到端骰子冲刺" },
      starts_at_ms: 1796678908000,
      status: "active",
    },
    {
      currency: null,
      ends_at_ms: null,
      entry_fee: 0,
      id: "forever",
      join: "open",
      joined: false,
      kind: "leaderboard",
      name: { en: "Forever", zh: "永久" },
      starts_at_ms: null,
      status: "active",
    },
  ],
};
const DRAW_DETAIL = {
  commitment: "aff99e8efd6b0c9bfe569281d44bd3c7639771596aec34fe5ae7fa06aafc6778",
  currency: "PLAY",
  ends_at_ms: 1796679008000,
  entry_fee: 0,
  final: true,
  games: ["dice"],
  id: "draw-quick",
  join: "open",
  joined: false,
  kind: "tournament",
  name: { en: "Quick draw", zh: "快速抽奖" },
  private: false,
  prizes: {
    claim_within_ms: null,
    currency: "PLAY",
    ladder: [
      { from: 1, share: { basis_points: 6000 }, to: 1 },
      { from: 2, share: { amount: 1000 }, to: 2 },
    ],
    options: { winners: 2 },
    pool: { ceiling: null, fixed: 10000, stake_share_basis_points: 0 },
    scheme: "ticket_draw",
  },
  result: {
    claim_until_ms: null,
    contest: "draw-quick",
    counted: 3,
    draw: {
      commitment: "aff99e8efd6b0c9bfe569281d44bd3c7639771596aec34fe5ae7fa06aafc6778",
      seed: "9b0da00d52be0f0580fc36bb30da30f01781f25b2d86fbcac7320548b335cc87",
      tickets: [["102323185382326273", "300"]],
      winners: [{ place: 1, ticket: "283", user_id: "102323185382326273" }],
    },
    ended_at_ms: 1796679008000,
    entry_fees: 0,
    excluded: {},
    paid: 6000,
    participants: 1,
    pool: 10000,
    prizes: [{ amount: 6000, rank: 1, user_id: "102323185382326273" }],
    remainder: 4000,
    staked: 300,
    standings: [{ rank: 1, score: 300, user_id: "102323185382326273" }],
    version: 1,
  },
  scoring: { best_n: null, formula: null, min_bet: 0, mode: "sum" },
  seed: "9b0da00d52be0f0580fc36bb30da30f01781f25b2d86fbcac7320548b335cc87",
  starts_at_ms: 1796678908000,
  status: "ended",
  tie_break: [],
  version: 1,
};

describe("contests API", () => {
  it("lists contests by status and reads names, windows and fees", async () => {
    answer = ok(LIST);
    const list = await api.contests("mine");
    expect(calls[0]).toMatchObject({ url: "/v1/contests?status=mine", method: "GET" });
    expect(list[0]).toEqual({
      id: "e2e-sprint",
      kind: "tournament",
      name: { en: "E2E dice sprint", zh: "端到端骰子冲刺" },
      starts_at_ms: 1796678908000,
      ends_at_ms: 1796679568000,
      status: "active",
      join: "opt_in",
      joined: false,
      entry_fee: 100,
      currency: "PLAY",
    });
    expect(list[1]).toMatchObject({ starts_at_ms: null, ends_at_ms: null, currency: null, join: "open" });
    await api.contests();
    expect(calls[1].url).toBe("/v1/contests");
  });

  it("reads a final ticket draw whose re-run matches the server's", async () => {
    answer = ok(DRAW_DETAIL);
    const c = await api.contest("draw-quick");
    expect(calls[0].url).toBe("/v1/contests/draw-quick");
    expect(c.final).toBe(true);
    expect(c.prizes).toEqual({
      scheme: "ticket_draw",
      ladder: [
        { from: 1, to: 1, share: { basis_points: 6000 } },
        { from: 2, to: 2, share: { amount: 1000 } },
      ],
      places: null,
      winners: 2,
      pool: { fixed: 10000, stake_share_basis_points: 0, ceiling: null },
      currency: "PLAY",
      claim_within_ms: null,
    });
    expect(c.result?.draw?.tickets).toEqual([["102323185382326273", "300"]]);
    expect(c.result?.draw?.winners).toEqual([{ place: 1, user_id: "102323185382326273", ticket: "283" }]);
    expect(c.result?.prizes).toEqual([{ rank: 1, user_id: "102323185382326273", amount: 6000 }]);
    expect(c.result).toMatchObject({ pool: 10000, paid: 6000, remainder: 4000 });
    expect(await checkContest(c)).toMatchObject({ kind: "draw", commitmentMatches: true, winnersMatch: true });
  });

  it("keeps big user ids exact and refuses float money", () => {
    const d = parseContestDetail({ ...DRAW_DETAIL, entry_fee: 1.5, result: { ...DRAW_DETAIL.result, prizes: [{ rank: 1, user_id: 102323185382326273, amount: 6000 }] } });
    expect(d.entry_fee).toBe(0);
    // A number id past 2^53 cannot be exact; the client never turns a string id into a number.
    expect(typeof d.result?.prizes[0].user_id).toBe("string");
    const s = parseStandings({ top: [{ rank: "3", user_id: "900719925474099303", display_name: "Ann", score: 7 }], me: null, final: false });
    expect(s.top[0]).toEqual({ rank: 3, user_id: "900719925474099303", display_name: "Ann", score: 7 });
  });

  it("joins with and without an invite code", async () => {
    answer = ok({ id: "e2e-sprint", joined: true, entry_fee: 100 });
    expect(await api.joinContest("e2e-sprint")).toEqual({ id: "e2e-sprint", joined: true, entry_fee: 100 });
    await api.joinContest("vip cup", "SECRET");
    expect(calls).toEqual([
      { url: "/v1/contests/e2e-sprint/join", method: "POST", body: {} },
      { url: "/v1/contests/vip%20cup/join", method: "POST", body: { invite_code: "SECRET" } },
    ]);
  });

  it("turns refusals into ApiErrors with the server's code", async () => {
    for (const [status, code] of [
      [409, "contest_closed"],
      [403, "invite_required"],
      [409, "insufficient_funds"],
    ] as const) {
      answer = () => ({ status, body: { error: { code, message: "no", request_id: "r" } } });
      await expect(api.joinContest("x")).rejects.toMatchObject({ code, status });
    }
  });

  it("asks for the top and my row, and reads the delta", async () => {
    answer = ok({ final: false, me: { delta: 2, rank: 57, score: 300 }, top: [{ display_name: "Witty Tiger 0470", rank: 1, score: 900, user_id: "102323185382326273" }] });
    const s = await api.standings("e2e-sprint", 50, true);
    expect(calls[0].url).toBe("/v1/contests/e2e-sprint/standings?top=50&me=1");
    expect(s).toEqual({ top: [{ rank: 1, user_id: "102323185382326273", display_name: "Witty Tiger 0470", score: 900 }], me: { rank: 57, score: 300, delta: 2 }, final: false });
    answer = ok({ final: true, me: null, top: [] });
    expect(await api.standings("e2e-sprint", 10, false)).toEqual({ top: [], me: null, final: true });
    expect(calls[1].url).toBe("/v1/contests/e2e-sprint/standings?top=10");
  });

  it("reads missions with their stages and rewards", async () => {
    answer = ok({
      missions: [
        {
          ends_at_ms: null,
          id: "daily-dice",
          name: { en: "Daily dice", zh: "每日骰子" },
          repeat: "daily",
          stages: [
            { done: true, id: "roll", progress: 3, reward: [{ chips: { amount: 500, currency: "PLAY" } }], target: 3 },
            { done: false, id: "big", progress: 0, reward: [{ points: { amount: 5 } }, { free_spins: { game: "fruit-machine", spins: 10, bet: 100, currency: "PLAY" } }], target: 1 },
          ],
        },
      ],
    });
    const m = await api.missions();
    expect(calls[0].url).toBe("/v1/missions");
    expect(m[0].stages[0]).toEqual({ id: "roll", progress: 3, target: 3, done: true, reward: [{ chips: { currency: "PLAY", amount: 500 } }] });
    expect(m[0].stages[1].reward).toEqual([{ points: { amount: 5 } }, { free_spins: { game: "fruit-machine", spins: 10, bet: 100, currency: "PLAY" } }]);
    expect(m[0]).toMatchObject({ id: "daily-dice", repeat: "daily", ends_at_ms: null, name: { en: "Daily dice", zh: "每日骰子" } });
  });

  it("reads the rewards inbox and claims an offered prize", async () => {
    const offered = {
      amount: 6000,
      created_at_ms: 1796679010022,
      currency: "PLAY",
      expires_at_ms: 1796679608000,
      grant: { chips: { amount: 6000, currency: "PLAY" } },
      id: "prize:draw-quick:102323185382326273",
      kind: "prize",
      settled_at_ms: null,
      source: "draw-quick",
      status: "offered",
    };
    answer = ok({ rewards: [offered] });
    const inbox = await api.rewards();
    expect(inbox[0]).toEqual({ ...offered, grant: { chips: { currency: "PLAY", amount: 6000 } } });
    answer = ok({ ...offered, status: "paid", settled_at_ms: 1796679020000 });
    const paid = await api.claimReward(offered.id);
    expect(calls[1]).toEqual({ url: "/v1/rewards/prize%3Adraw-quick%3A102323185382326273/claim", method: "POST", body: {} });
    expect(paid).toMatchObject({ status: "paid", settled_at_ms: 1796679020000 });
    answer = () => ({ status: 410, body: { error: { code: "reward_expired", message: "gone", request_id: "r" } } });
    await expect(api.claimReward(offered.id)).rejects.toMatchObject({ code: "reward_expired", status: 410 });
  });
});
