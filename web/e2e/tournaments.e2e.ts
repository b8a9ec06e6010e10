// End to end against the real server: an administrator (registered, then `playhouse admin grant`)
// creates an opt-in dice tournament with an entry fee and a ladder prize, a ticket-draw contest that
// ends during the test, and a dice mission. A guest opens /tournaments, joins (the fee is held),
// bets through the API, sees their own row score in the live standings, reads the contest in
// Chinese on a 375 px phone, verifies the finished draw in the browser and opens /missions.
// Screenshots go to web/e2e-artifacts/.
//
// The client under test is the one embedded in PLAYHOUSE_BIN; set E2E_WEB_DIST=dist to serve a
// fresh `npm run build` instead (see serveWebDist in harness.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantAdmin, serveWebDist, shot, signInAsGuest, start, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.stop();
});

const ADMIN = { email: "contests-admin@example.com", password: "correct horse battery staple", display_name: "Contest Admin" };
const SPRINT = "e2e-sprint";
const DRAW = "e2e-draw";
const MISSION = "e2e-dice-mission";

/** RFC 3339 in UTC, whole seconds. */
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

async function call<T>(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(h.base + path, {
    method,
    headers: {
      Accept: "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && typeof body !== "string" ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Registers the administrator, grants the rights with the binary and creates the contests. */
async function createContests(): Promise<void> {
  await call("POST", "/v1/auth/register", null, ADMIN);
  grantAdmin(h, ADMIN.email);
  const { access_token: admin } = await call<{ access_token: string }>("POST", "/v1/auth/login", null, { email: ADMIN.email, password: ADMIN.password });
  const now = Date.now();
  const create = (definition: string) =>
    call<{ id: string; commitment: string }>("POST", "/v1/admin/contests", admin, definition, { "Content-Type": "application/yaml" });
  const sprint = await create(`id: ${SPRINT}
kind: tournament
name: {en: E2E dice sprint, zh: 端到端骰子冲刺}
window: {start: "${rfc3339(now - 60_000)}", end: "${rfc3339(now + 10 * 60_000)}"}
join: opt_in
entry_fee: 100
games: [dice]
currency: PLAY
scoring: {mode: sum, of: bet}
prizes:
  pool: {fixed: 10000}
  scheme: ladder
  ladder:
    - {ranks: "1", percent: 50}
    - {ranks: "2-3", percent: 20}
`);
  expect(sprint.commitment).toMatch(/^[0-9a-f]{64}$/);
  // Ends while the test runs: the draw is then final and verifiable.
  await create(`id: ${DRAW}
kind: tournament
name: {en: E2E quick draw, zh: 端到端快速抽奖}
window: {start: "${rfc3339(now - 60_000)}", end: "${rfc3339(now + 45_000)}"}
join: open
games: [dice]
currency: PLAY
scoring: {mode: sum, of: bet}
prizes:
  pool: {fixed: 5000}
  scheme: ticket_draw
  winners: 2
  ladder:
    - {ranks: "1", percent: 60}
    - {ranks: "2", amount: 1000}
`);
  await create(`id: ${MISSION}
kind: mission
name: {en: E2E dice mission, zh: 端到端骰子任务}
repeat: daily
stages:
  - id: roll
    condition: {type: rounds, games: [dice]}
    target: 3
    reward: [{chips: {currency: PLAY, amount: 500}}]
  - id: big
    condition: {type: win_multiplier, at_least: 50}
    target: 1
    reward: [{points: {amount: 5}}]
`);
}

async function available(token: string): Promise<number> {
  const w = await call<{ balances: Array<{ currency: string; available: number }> }>("GET", "/v1/wallet", token);
  return w.balances.find((b) => b.currency === "PLAY")?.available ?? NaN;
}

describe("tournaments and missions", () => {
  it("joins a tournament, scores in the live standings, verifies a draw and shows missions", async () => {
    await createContests();
    const context = await h.browser.newContext({ viewport: { width: 1280, height: 720 } });
    await serveWebDist(context);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => {
      pageErrors.push(e.message);
      console.error("page error:", e.message);
    });
    try {
      // The guest's access token, as the app receives it.
      const guestAuth = page.waitForResponse((r) => r.url().endsWith("/v1/auth/guest") && r.request().method() === "POST");
      await signInAsGuest(page, h.base, "tournaments");
      const { access_token: token } = (await (await guestAuth).json()) as { access_token: string };

      // The list: name, countdown, fee and Join.
      await page.getByTestId("nav-tournaments").click();
      const card = page.getByTestId(`contest-${SPRINT}`);
      await card.waitFor({ timeout: 30_000 });
      expect(await card.textContent()).toContain("E2E dice sprint");
      expect(await card.textContent()).toContain("1.00 PLAY");
      expect(await page.getByTestId(`countdown-${SPRINT}`).textContent()).toMatch(/^Ends in \d\d:\d\d/);
      await shot(page, "tournaments-01-list");
      const before = await available(token);
      await page.getByTestId(`join-${SPRINT}`).click();
      await expect.poll(async () => await page.getByTestId(`join-${SPRINT}`).count(), { timeout: 15_000 }).toBe(0);
      expect(await card.textContent()).toContain("Joined");
      // The entry fee is held by a pending transfer.
      expect(await available(token)).toBe(before - 100);
      await page.getByTestId("contest-filter-mine").click();
      await page.getByTestId(`contest-${SPRINT}`).waitFor();
      await shot(page, "tournaments-02-joined");

      // A few dice bets with the guest's token: they count in both contests and the mission.
      for (let i = 0; i < 3; i++) {
        await call("POST", "/v1/games/dice/bets", token, { amount: 100, currency: "PLAY", params: { target: 50.5, direction: "under" } }, { "Idempotency-Key": `e2e-tournament-${i}-${Date.now()}` });
      }

      // The contest page: the prize table, and the player's own row scoring in the live standings.
      await page.getByTestId(`contest-link-${SPRINT}`).click();
      await page.getByTestId("prize-table").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("prize-row").count()).toBe(2);
      expect(await page.getByTestId("prize-table").textContent()).toContain("50%");
      const myRow = page.getByTestId("my-row");
      await expect.poll(async () => Number((await myRow.count()) ? await myRow.getAttribute("data-score") : 0), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(Number(await myRow.getAttribute("data-score"))).toBe(300);
      expect(Number(await myRow.getAttribute("data-rank"))).toBe(1);
      expect(await page.getByTestId("fair-commitment").textContent()).toMatch(/^[0-9a-f]{64}$/);
      await shot(page, "tournaments-03-standings");

      // A phone: the same page at 375 px, then in Chinese.
      await page.setViewportSize({ width: 375, height: 740 });
      await myRow.scrollIntoViewIfNeeded();
      expect(await myRow.isVisible()).toBe(true);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth, "no horizontal scrolling at 375 px").toBeLessThanOrEqual(375);
      await shot(page, "tournaments-04-phone");
      await page.getByTestId("lang-switch").click();
      await expect.poll(async () => await page.getByTestId("contest-name").textContent()).toBe("端到端骰子冲刺");
      expect(await page.getByTestId("nav-tournaments").textContent()).toBe("锦标赛");
      expect(await page.getByTestId("standings-card").textContent()).toContain("实时排名");
      await page.getByTestId("contest-name").scrollIntoViewIfNeeded();
      await shot(page, "tournaments-05-phone-zh");

      // The draw contest ends 45 s after creation and is final 2 s later: verify it in the browser.
      await page.goto(`${h.base}/tournaments/${DRAW}`);
      await expect.poll(async () => await page.getByTestId("contest-page").getAttribute("data-final"), { timeout: 90_000, interval: 1000 }).toBe("1");
      await page.getByTestId("fair-seed").waitFor();
      await page.getByTestId("fair-verify").click();
      await page.getByTestId("fair-verification").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("fair-commit-verdict").getAttribute("data-ok")).toBe("1");
      expect(await page.getByTestId("fair-winners-verdict").getAttribute("data-ok")).toBe("1");
      // The guest's rounds are the draw's only tickets: they win place 1.
      expect(await page.getByTestId("fair-published").locator("li").count()).toBe(1);
      expect(await page.getByTestId("fair-computed").locator("li").count()).toBe(1);
      await page.getByTestId("fair-verification").scrollIntoViewIfNeeded();
      await shot(page, "tournaments-06-phone-draw-verified");

      // Missions and the rewards inbox (the first stage is done: three dice rounds).
      await page.getByTestId("nav-missions").click();
      await page.getByTestId("missions-page").waitFor();
      const stage = page.getByTestId(`stage-${MISSION}-roll`);
      await stage.waitFor({ timeout: 30_000 });
      await expect.poll(async () => await stage.getAttribute("data-done"), { timeout: 30_000 }).toBe("1");
      expect(await page.getByTestId(`mission-${MISSION}`).textContent()).toContain("端到端骰子任务");
      await page.getByTestId("rewards").locator("li.reward").first().waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("rewards").textContent()).toContain("5.00 PLAY");
      expect(await page.locator('[data-testid="missions-page"] [role="alert"]').count()).toBe(0);
      await shot(page, "tournaments-07-phone-missions");
      await page.setViewportSize({ width: 1280, height: 720 });
      await shot(page, "tournaments-08-missions");
      expect(pageErrors).toEqual([]);
    } catch (e) {
      await shot(page, "tournaments-failure").catch(() => undefined);
      console.error(h.log().slice(-4000));
      throw e;
    } finally {
      await context.close();
    }
  });
});
