// End to end against the real server: a new guest spins a lines slot and a ways slot (stake rules and
// payout preview from the published catalogue), rotates the seed pair and verifies both rounds in the
// browser from the published slot definition: outcome, multiplier and payout must all agree. Desktop
// and phone (844×390); screenshots go to web/e2e-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { shot, signInAsGuest, start, type Harness } from "./harness";

const SLOTS = ["lantern_festival", "copper_canyon"];

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.stop();
});

async function spin(page: Page, tag: string, game: string): Promise<void> {
  await page.getByTestId("nav-games").click();
  await page.getByTestId(`game-${game}`).click();
  await page.getByTestId(`game-page-${game}`).waitFor();
  // 0.25 is not a multiple of Lantern Festival's cost (10 line bets): the stake is refused up front.
  if (game === "lantern_festival") {
    await page.getByTestId("bet-amount").fill("0.25");
    await page.getByTestId("slot-stake-error").waitFor();
    expect(await page.getByTestId("bet-button").isDisabled()).toBe(true);
  }
  await page.getByTestId("bet-amount").fill("1.00");
  await page.getByTestId("payout-preview").waitFor();
  await page.getByTestId("bet-button").click();
  await page.getByTestId("slot-result").waitFor({ timeout: 30_000 });
  await shot(page, `${tag}-slot-${game}`);
}

async function verify(page: Page, tag: string, game: string): Promise<void> {
  await page.locator(`[data-testid="pick-bet"][data-game="${game}"]`).first().click();
  await expect.poll(async () => (await page.getByTestId("verify-server-seed").inputValue()).length, { timeout: 30_000 }).toBe(64);
  await page.getByTestId("verify-button").click();
  await page.getByTestId("verification").waitFor({ timeout: 30_000 });
  await expect.poll(async () => await page.getByTestId("verified-outcome").textContent(), { timeout: 30_000 }).toContain("total_win");
  expect(await page.getByTestId("hash-check").textContent()).toContain("✔");
  expect(await page.getByTestId("verify-verdict").textContent()).toContain("✔");
  expect(await page.getByTestId("multiplier-verdict").textContent()).toContain("✔");
  expect(await page.getByTestId("payout-verdict").textContent()).toContain("✔");
  await page.getByTestId("verify-verdict").scrollIntoViewIfNeeded();
  await shot(page, `${tag}-slot-${game}-verified`);
}

describe.each([
  { tag: "desktop", width: 1280, height: 720 },
  { tag: "phone", width: 844, height: 390 },
])("slots on $tag ($width×$height)", ({ tag, width, height }) => {
  it("spins a lines slot and a ways slot and verifies both in the browser", async () => {
    const context = await h.browser.newContext({ viewport: { width, height }, isMobile: tag === "phone", hasTouch: tag === "phone" });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
    try {
      await signInAsGuest(page, h.base, `${tag}-slots`);
      for (const g of SLOTS) await spin(page, tag, g);
      await page.getByTestId("nav-fairness").click();
      await page.getByTestId("seed-hash").waitFor();
      await page.getByTestId("rotate-button").click();
      await page.getByTestId("revealed-seed").waitFor({ timeout: 30_000 });
      for (const g of SLOTS) await verify(page, tag, g);
    } catch (e) {
      await shot(page, `${tag}-slots-failure`).catch(() => undefined);
      console.error(h.log().slice(-4000));
      throw e;
    } finally {
      await context.close();
    }
  });
});
