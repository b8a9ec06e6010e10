// The dice screen and the fairness page against scripted instant-game endpoints (page.route; the
// page, accounts and wallet come from the real binary): bet, rotate the seed pair, verify the bet in
// the browser. The seeds are the published verifier vector (roll 77.18), so the in-browser
// recomputation is checked against data nobody here chose.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { createHash } from "node:crypto";
import { shot, signInAsGuest, start, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.stop();
});

const SERVER_SEED = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";
const NEXT_SEED = "a9a09f7f84c9dc6d4f46f9b702d8e7e211e1fc219ac10e1145c4ca032eb000c6";
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

async function scriptedGames(context: BrowserContext): Promise<{ bodies: unknown[] }> {
  const seen = { bodies: [] as unknown[] };
  let revealed = false;
  const pf = () => ({ server_seed_hash: sha(SERVER_SEED), client_seed: "bb62964774", nonce: 1, ...(revealed ? { server_seed: SERVER_SEED } : {}) });
  const bet = () => ({
    bet_id: "b1",
    game: "dice",
    amount: 100,
    currency: "PLAY",
    params: { target: 50.5, direction: "over" },
    outcome: { roll: 77.18 },
    multiplier: "2",
    payout: 200,
    balance: 100100,
    provably_fair: pf(),
  });
  const json = (body: unknown) => ({ status: 200, contentType: "application/json", body: JSON.stringify(body) });
  await context.route(/\/v1\/(games|fair|bets|activity)/, async (route) => {
    const req = route.request();
    const path = new URL(req.url()).pathname;
    if (path === "/v1/games") return route.fulfill(json({ games: [{ game: "dice" }] }));
    if (path === "/v1/games/dice") return route.fulfill(json({ game: "dice", rtp: 0.99 }));
    if (path === "/v1/activity") return route.fulfill(json({ items: [] }));
    if (path === "/v1/games/dice/bets") {
      seen.bodies.push({ body: req.postDataJSON(), key: req.headers()["idempotency-key"] });
      return route.fulfill(json(bet()));
    }
    if (path === "/v1/fair/seeds")
      return route.fulfill(json(revealed ? { server_seed_hash: sha(NEXT_SEED), next_server_seed_hash: sha("x"), client_seed: "bb62964774", nonce: 0 } : { server_seed_hash: sha(SERVER_SEED), next_server_seed_hash: sha(NEXT_SEED), client_seed: "bb62964774", nonce: 2 }));
    if (path === "/v1/fair/rotate") {
      revealed = true;
      return route.fulfill(
        json({
          revealed: { server_seed: SERVER_SEED, server_seed_hash: sha(SERVER_SEED), client_seed: "bb62964774", nonce: 2 },
          active: { server_seed_hash: sha(NEXT_SEED), next_server_seed_hash: sha("x"), client_seed: "bb62964774", nonce: 0 },
        }),
      );
    }
    if (path === "/v1/bets") return route.fulfill(json({ items: [bet()], next_cursor: null }));
    if (path === "/v1/bets/b1") return route.fulfill(json(bet()));
    return route.fulfill({ status: 404, contentType: "application/json", body: '{"error":{"code":"not_found","message":"no","request_id":"x"}}' });
  });
  return seen;
}

describe("dice and fairness", () => {
  it("bets, rotates and verifies the bet in the browser", async () => {
    const context = await h.browser.newContext({ viewport: { width: 844, height: 390 } });
    const seen = await scriptedGames(context);
    const page = await context.newPage();
    try {
      await signInAsGuest(page, h.base, "casino");
      await page.getByTestId("nav-games").click();
      await page.getByTestId("game-dice").click();
      await page.getByTestId("bet-amount").fill("1.00");
      await page.getByTestId("bet-button").click();
      await page.getByTestId("bet-result").waitFor();
      expect(seen.bodies).toHaveLength(1);
      const sent = seen.bodies[0] as { body: { amount: number; currency: string; params: unknown }; key: string };
      expect(sent.body).toEqual({ amount: 100, currency: "PLAY", params: { target: 50.5, direction: "over" } });
      expect(sent.key).toBeTruthy();
      await page.getByTestId("verify-link").click();
      await page.getByTestId("rotate-button").click();
      await page.getByTestId("revealed-seed").waitFor();
      await page.getByTestId("pick-bet").first().click();
      await page.getByTestId("verify-button").click();
      await page.getByTestId("verification").waitFor();
      expect(await page.getByTestId("hash-check").textContent()).toContain("✔");
      expect(await page.getByTestId("verified-outcome").textContent()).toBe('{"roll":77.18}');
      expect(await page.getByTestId("verify-verdict").textContent()).toContain("✔");
      await shot(page, "casino-verified");
    } finally {
      await context.close();
    }
  });
});
