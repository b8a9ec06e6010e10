// End to end against the real server: a new guest plays a full Guandan match against three fast bots
// in a private room (Hint + Play, or Pass, every turn), places a dice bet, rotates the seed pair and
// verifies the bet in the browser; then the same on a phone-sized landscape viewport (844×390).
// Screenshots go to web/e2e-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { createRoomAndStart, playUntilMatchResult, shot, signInAsGuest, start, type Harness } from "./harness";

/** Longest a whole match may take (fast bots; the human acts as soon as it may). */
const MATCH_MS_MAX = 12 * 60 * 1000;

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.stop();
});

async function diceBetAndVerify(page: Page, tag: string): Promise<void> {
  await page.getByTestId("nav-games").click();
  await page.getByTestId("game-dice").click();
  await page.getByTestId("bet-amount").fill("1.00");
  await page.getByTestId("bet-button").click();
  await page.getByTestId("bet-result").waitFor({ timeout: 30_000 });
  await shot(page, `${tag}-05-dice`);

  await page.getByTestId("nav-fairness").click();
  await page.getByTestId("seed-hash").waitFor();
  await page.getByTestId("rotate-button").click();
  await page.getByTestId("revealed-seed").waitFor({ timeout: 30_000 });
  await page.getByTestId("pick-bet").first().click();
  await expect.poll(async () => (await page.getByTestId("verify-server-seed").inputValue()).length, { timeout: 30_000 }).toBe(64);
  await page.getByTestId("verify-button").click();
  await page.getByTestId("verification").waitFor({ timeout: 30_000 });
  expect(await page.getByTestId("hash-check").textContent()).toContain("✔");
  expect(await page.getByTestId("verified-outcome").textContent()).toContain("roll");
  // A bet was picked: the page compares its recorded outcome with the recomputed one.
  expect(await page.getByTestId("verify-verdict").textContent()).toContain("✔");
  await shot(page, `${tag}-06-verified`);
}

describe.each([
  { tag: "desktop", width: 1280, height: 720 },
  { tag: "phone", width: 844, height: 390 },
])("a new player on $tag ($width×$height)", ({ tag, width, height }) => {
  it("plays a full Guandan match with bots, a dice bet, and verifies it", async () => {
    const context = await h.browser.newContext({ viewport: { width, height }, isMobile: tag === "phone", hasTouch: tag === "phone" });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
    try {
      await signInAsGuest(page, h.base, tag);
      await createRoomAndStart(page, tag);
      expect(await playUntilMatchResult(page, tag, MATCH_MS_MAX)).toBeGreaterThan(0);
      await page.getByTestId("result-lobby").click();
      await page.getByTestId("balance").waitFor();
      await diceBetAndVerify(page, tag);
    } catch (e) {
      await shot(page, `${tag}-failure`).catch(() => undefined);
      console.error(h.log().slice(-4000));
      throw e;
    } finally {
      await context.close();
    }
  });
});
