// The tournament and mission screens' pure helpers: countdowns, phases, the pinned own row, delta
// arrows, the prize table as text (integer money, basis points without floats), grants, reward
// states, error messages, and the draw verifier against the published draw vectors.
import { describe, expect, it } from "vitest";
import vectors from "../../../crates/rules/compete/tests/fixtures/draw_vectors.json";
import { formatMoney, translate, type Locale } from "../i18n";
import { en, zh } from "../i18n/messages";
import type { ContestDetail, PrizeTable, StandingRow } from "../api/types";
import {
  canJoin,
  carryDelta,
  checkContest,
  contestPhase,
  currentStage,
  deltaArrow,
  errorText,
  formatCountdown,
  grantText,
  percentOf,
  phaseText,
  pinMine,
  prizeLines,
  prizeTableText,
  rewardState,
  scoreText,
  stagePercent,
  type Fmt,
} from "./view";

const fmt = (locale: Locale): Fmt => ({
  t: (k, v) => translate(locale, k, v),
  money: (minor, currency) => formatMoney(locale, minor, currency),
});

describe("countdowns", () => {
  it("formats remaining time as mm:ss, hh:mm:ss or days", () => {
    expect(formatCountdown(0)).toBe("00:00");
    expect(formatCountdown(-5000)).toBe("00:00");
    expect(formatCountdown(1)).toBe("00:01");
    expect(formatCountdown(999)).toBe("00:01");
    expect(formatCountdown(65_000)).toBe("01:05");
    expect(formatCountdown(59 * 60_000 + 59_999)).toBe("01:00:00");
    expect(formatCountdown(3_600_000)).toBe("01:00:00");
    expect(formatCountdown(2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000)).toBe("2d 03:04:05");
    expect(formatCountdown(86_400_000, (n) => `${n}天`)).toBe("1天 00:00:00");
  });
  it("counts down to the start, then the end, by the client's clock", () => {
    const c = { status: "upcoming" as const, starts_at_ms: 10_000, ends_at_ms: 70_000 };
    expect(contestPhase(c, 5_000)).toEqual({ kind: "starts", at: 10_000 });
    expect(contestPhase({ ...c, status: "active" }, 10_000)).toEqual({ kind: "ends", at: 70_000 });
    expect(contestPhase({ ...c, status: "active" }, 70_000)).toEqual({ kind: "ended", at: 70_000 });
    expect(contestPhase({ ...c, status: "ended" }, 0)).toEqual({ kind: "ended", at: 70_000 });
    expect(contestPhase({ ...c, status: "cancelled" }, 0)).toEqual({ kind: "cancelled" });
    expect(contestPhase({ status: "active", starts_at_ms: null, ends_at_ms: null }, 0)).toEqual({ kind: "open" });
    expect(phaseText({ kind: "starts", at: 65_000 }, 0, fmt("en"))).toBe("Starts in 01:05");
    expect(phaseText({ kind: "ends", at: 90_061_000 }, 0, fmt("en"))).toBe("Ends in 1d 01:01:01");
    expect(phaseText({ kind: "ends", at: 90_061_000 }, 0, fmt("zh-CN"))).toBe("1天 01:01:01 后结束");
    expect(phaseText({ kind: "ended", at: 1 }, 0, fmt("zh-CN"))).toBe("已结束");
  });
  it("offers Join only for opt-in contests not joined and not over", () => {
    const c = { join: "opt_in", joined: false, status: "active" as const };
    expect(canJoin(c, { kind: "ends", at: 1 })).toBe(true);
    expect(canJoin({ ...c, status: "upcoming" }, { kind: "starts", at: 1 })).toBe(true);
    expect(canJoin({ ...c, joined: true }, { kind: "ends", at: 1 })).toBe(false);
    expect(canJoin({ ...c, join: "open" }, { kind: "ends", at: 1 })).toBe(false);
    expect(canJoin(c, { kind: "ended", at: 1 })).toBe(false);
  });
});

describe("standings", () => {
  const top: StandingRow[] = [
    { rank: 1, user_id: "900719925474099301", display_name: "Ann", score: 500 },
    { rank: 2, user_id: "900719925474099302", display_name: "Bo", score: 300 },
  ];
  it("marks my row when I am in the visible top and pins nothing", () => {
    const v = pinMine(top, { rank: 2, score: 300, delta: 1 }, "900719925474099302");
    expect(v.rows.map((r) => r.mine)).toEqual([false, true]);
    expect(v.pinned).toBeNull();
  });
  it("pins my row below the top when I am not in it (ids compared as strings, no float rounding)", () => {
    // 900719925474099303 and …302 are the same double: a numeric comparison would find "me" in the top.
    const v = pinMine(top, { rank: 57, score: 12, delta: -3 }, "900719925474099303");
    expect(v.rows.every((r) => !r.mine)).toBe(true);
    expect(v.pinned).toEqual({ rank: 57, score: 12, delta: -3 });
  });
  it("pins nothing when I have no standing", () => {
    expect(pinMine(top, null, "42").pinned).toBeNull();
    expect(pinMine([], null, undefined).rows).toEqual([]);
  });
  it("shows the delta as an arrow and keeps the last movement between polls", () => {
    expect(deltaArrow(3)).toEqual({ text: "▲3", dir: "up" });
    expect(deltaArrow(-2)).toEqual({ text: "▼2", dir: "down" });
    expect(deltaArrow(0)).toEqual({ text: "–", dir: "same" });
    expect(carryDelta(null, { rank: 4, score: 1, delta: 2 })).toBe(2);
    expect(carryDelta({ rank: 4, delta: 2 }, { rank: 4, score: 1, delta: 0 })).toBe(2);
    expect(carryDelta({ rank: 4, delta: 2 }, { rank: 3, score: 9, delta: 1 })).toBe(1);
    expect(carryDelta({ rank: 4, delta: 2 }, { rank: 5, score: 9, delta: 0 })).toBe(0);
    expect(carryDelta({ rank: 4, delta: 2 }, null)).toBe(0);
  });
  it("shows max-multiplier scores in hundredths", () => {
    expect(scoreText(1234, "maxmultiplier")).toBe("12.34×");
    expect(scoreText(1200, "max_multiplier")).toBe("12×");
    expect(scoreText(300, "sum")).toBe("300");
  });
});

describe("prize table", () => {
  const ladder: PrizeTable = {
    scheme: "ladder",
    ladder: [
      { from: 1, to: 1, share: { basis_points: 5000 } },
      { from: 2, to: 3, share: { basis_points: 1250 } },
      { from: 4, to: 10, share: { amount: 100 } },
    ],
    places: null,
    winners: null,
    pool: { fixed: 10000, stake_share_basis_points: 0, ceiling: null },
    currency: "PLAY",
    claim_within_ms: null,
  };
  it("turns basis points into percentages without floats", () => {
    expect(percentOf(5000)).toBe("50");
    expect(percentOf(1250)).toBe("12.5");
    expect(percentOf(5)).toBe("0.05");
    expect(percentOf(10000)).toBe("100");
    expect(percentOf(0)).toBe("0");
  });
  it("lists each step's ranks, share and (once the pool is known) amount, rounded down like the server", () => {
    expect(prizeLines(ladder)).toEqual([
      { ranks: "1", percent: "50", amount: null, each: false },
      { ranks: "2–3", percent: "12.5", amount: null, each: true },
      { ranks: "4–10", percent: null, amount: 100, each: true },
    ]);
    expect(prizeLines(ladder, 10001).map((l) => l.amount)).toEqual([5000, 1250, 100]);
    // Exact beyond 2^53: floor(pool × bp / 10000) in BigInt.
    expect(prizeLines({ ...ladder, ladder: [{ from: 1, to: 1, share: { basis_points: 3333 } }] }, 9_007_199_254_740_000)[0].amount).toBe(3_002_099_511_604_842);
  });
  it("renders the whole table as text in English and Chinese", () => {
    expect(prizeTableText(ladder, fmt("en"), { hasFee: true })).toEqual([
      "Prizes by final rank.",
      "Pool: 100.00 PLAY guaranteed + entry fees",
      "Rank 1: 50% of the pool",
      "Rank 2–3: 12.5% of the pool each",
      "Rank 4–10: 1.00 PLAY each",
    ]);
    expect(prizeTableText(ladder, fmt("en"), { finalPool: 10100 })).toEqual([
      "Prizes by final rank.",
      "Final pool: 101.00 PLAY",
      "Rank 1: 50% of the pool · 50.50 PLAY",
      "Rank 2–3: 12.5% of the pool each · 12.62 PLAY",
      "Rank 4–10: 1.00 PLAY each",
    ]);
    const share: PrizeTable = { ...ladder, pool: { fixed: 0, stake_share_basis_points: 250, ceiling: 500000 }, claim_within_ms: 600_000 };
    expect(prizeTableText(share, fmt("zh-CN"))).toEqual([
      "按最终名次发奖。",
      "奖池：保底 0.00 PLAY + 投注额的 2.5% （最多 5,000.00 PLAY）",
      "第 1 名: 奖池的 50%",
      "第 2–3 名: 每人奖池的 12.5%",
      "第 4–10 名: 每人 1.00 PLAY",
      "奖励须在结束后 10:00 内到奖励收件箱领取。",
    ]);
  });
  it("describes proportional splits and ticket draws", () => {
    expect(prizeTableText({ ...ladder, scheme: "proportional", ladder: [], places: 10 }, fmt("en"))[0]).toBe(
      "The top 10 places with a positive score share the pool in proportion to their scores.",
    );
    expect(prizeTableText({ ...ladder, scheme: "proportional", ladder: [] }, fmt("en"))[0]).toMatch(/^Every player with a positive score/);
    const draw = prizeTableText({ ...ladder, scheme: "ticket_draw", winners: 2, ladder: ladder.ladder.slice(0, 1) }, fmt("en"));
    expect(draw[0]).toBe("Every point of score is a ticket; 2 winner(s) are drawn and place k wins rank k's prize.");
    expect(draw[2]).toBe("Place 1: 50% of the pool");
  });
});

describe("missions and rewards", () => {
  it("describes grants", () => {
    expect(grantText({ chips: { currency: "PLAY", amount: 500 } }, fmt("en"))).toBe("5.00 PLAY");
    expect(grantText({ points: { amount: 5 } }, fmt("zh-CN"))).toBe("5 积分");
    expect(grantText({ free_spins: { game: "fruit-machine", spins: 10, bet: 100, currency: "PLAY" } }, fmt("en"))).toBe(
      "10 free spins on fruit-machine at 1.00 PLAY",
    );
    expect(grantText(null, fmt("en"))).toBe("—");
  });
  it("fills progress bars in whole percent and finds the current stage", () => {
    expect(stagePercent({ progress: 3, target: 50, done: false })).toBe(6);
    expect(stagePercent({ progress: 70, target: 50, done: false })).toBe(100);
    expect(stagePercent({ progress: 0, target: 0, done: false })).toBe(0);
    expect(stagePercent({ progress: 1, target: 3, done: true })).toBe(100);
    const st = (done: boolean) => ({ id: "s", progress: 0, target: 1, done, reward: [] });
    expect(currentStage([st(true), st(false), st(false)])).toBe(1);
    expect(currentStage([st(true)])).toBe(-1);
  });
  it("shows offered rewards past their window as expired", () => {
    expect(rewardState({ status: "offered", expires_at_ms: null }, 5)).toBe("claimable");
    expect(rewardState({ status: "offered", expires_at_ms: 10 }, 5)).toBe("claimable");
    expect(rewardState({ status: "offered", expires_at_ms: 10 }, 10)).toBe("expired");
    expect(rewardState({ status: "expired", expires_at_ms: null }, 0)).toBe("expired");
    expect(rewardState({ status: "paid", expires_at_ms: 10 }, 99)).toBe("paid");
    expect(rewardState({ status: "paying", expires_at_ms: null }, 0)).toBe("paying");
  });
  it("translates the server's error codes, else shows its message", () => {
    const err = (code: string, message = "server words") => Object.assign(new Error(message), { code });
    expect(errorText(err("insufficient_funds"), fmt("en"))).toBe("Your balance does not cover the entry fee.");
    expect(errorText(err("invite_required"), fmt("zh-CN"))).toBe("这是私密赛事，需要邀请码。");
    expect(errorText(err("contest_closed"), fmt("zh-CN"))).toMatch(/^无法报名/);
    expect(errorText(err("teapot", "I am a teapot"), fmt("en"))).toBe("I am a teapot");
  });
  it("has every tournament, mission and reward string in both languages", () => {
    const ours = Object.keys(en).filter((k) => /^(compete|missions|rewards|grant)\.|^nav\.(tournaments|missions)$/.test(k));
    expect(ours.length).toBeGreaterThan(100);
    for (const k of ours) expect(zh[k as keyof typeof en], k).toBeTruthy();
    const zhOurs = Object.keys(zh).filter((k) => /^(compete|missions|rewards|grant)\./.test(k));
    for (const k of zhOurs) expect(en[k as keyof typeof en], k).toBeTruthy();
  });
});

describe("draw verifier", () => {
  type Vector = { seed: string; commitment?: string; contest: string; winners: number; entries: [number, string][]; expected: [number, number, string][] };
  const v = vectors.vectors[0] as Vector;
  const detail = (over: Partial<ContestDetail> = {}): Pick<ContestDetail, "id" | "seed" | "commitment" | "prizes" | "result"> => ({
    id: v.contest,
    seed: v.seed,
    commitment: v.commitment!,
    prizes: {
      scheme: "ticket_draw",
      ladder: [],
      places: null,
      winners: v.winners,
      pool: { fixed: 0, stake_share_basis_points: 0, ceiling: null },
      currency: "PLAY",
      claim_within_ms: null,
    },
    result: {
      pool: 0,
      paid: 0,
      remainder: 0,
      entry_fees: 0,
      staked: 0,
      participants: v.entries.length,
      prizes: [],
      claim_until_ms: null,
      draw: {
        commitment: v.commitment!,
        seed: v.seed,
        tickets: v.entries.map(([u, t]) => [String(u), t] as [string, string]),
        winners: v.expected.map(([place, u, ticket]) => ({ place, user_id: String(u), ticket })),
      },
      standings: [],
    },
    ...over,
  });
  it("re-runs a published ticket draw and accepts it", async () => {
    const r = await checkContest(detail());
    expect(r).toMatchObject({ kind: "draw", commitmentMatches: true, winnersMatch: true });
    expect(r?.kind === "draw" && r.computed.map((w) => w.userId)).toEqual(v.expected.map(([, u]) => String(u)));
  });
  it("catches swapped winners and a seed that does not match the commitment", async () => {
    const d = detail();
    const ws = d.result!.draw!.winners;
    const swapped = detail({ result: { ...d.result!, draw: { ...d.result!.draw!, winners: [{ ...ws[1], place: 1 }, { ...ws[0], place: 2 }, ws[2]] } } });
    expect(await checkContest(swapped)).toMatchObject({ commitmentMatches: true, winnersMatch: false });
    expect(await checkContest(detail({ commitment: "0".repeat(64) }))).toMatchObject({ commitmentMatches: false });
  });
  it("checks SHA-256(seed) against the commitment for other schemes, and waits for the seed", async () => {
    const ladder = detail({ prizes: { ...detail().prizes!, scheme: "ladder" }, result: null });
    expect(await checkContest(ladder)).toEqual({ kind: "commitment", commitmentMatches: true, hash: v.commitment });
    expect(await checkContest({ ...ladder, commitment: v.commitment!.toUpperCase() })).toMatchObject({ commitmentMatches: true });
    expect(await checkContest({ ...ladder, seed: v.seed + "x" })).toMatchObject({ commitmentMatches: false });
    expect(await checkContest({ ...ladder, seed: null })).toBeNull();
  });
});
