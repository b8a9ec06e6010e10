// End to end: the real `playhouse` binary (PLAYHOUSE_BIN, default ../target/debug/playhouse) on a free
// port with a temporary data directory, driven through Debian's Chromium by playwright-core. A new
// guest plays a full Guandan match against three fast bots in a private room (Hint + Play, or Pass,
// every turn), places a dice bet, rotates the seed and verifies the bet in the browser; then the same
// on a phone-sized landscape viewport. Screenshots go to web/e2e-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const WEB_DIR = resolve(__dirname, "..");
const BIN = resolve(WEB_DIR, process.env.PLAYHOUSE_BIN ?? "../target/debug/playhouse");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const ARTIFACTS = join(WEB_DIR, "e2e-artifacts");
/** Longest a whole match may take (fast bots; the human acts as soon as it may). */
const MATCH_MS_MAX = 12 * 60 * 1000;

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let dataDir = "";
let base = "";
let serverLog = "";

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`playhouse exited: ${serverLog.slice(-2000)}`);
    if (Date.now() > until) throw new Error(`playhouse did not become healthy: ${serverLog.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`playhouse binary not found at ${BIN} (set PLAYHOUSE_BIN)`);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), "playhouse-e2e-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--database-url", `sqlite://${join(dataDir, "playhouse.db")}`], {
    cwd: dataDir,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", PLAYHOUSE_RATE_LIMIT__PER_IP_PER_SEC: "1000", PLAYHOUSE_RATE_LIMIT__PER_IP_BURST: "2000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-20000)));
  server.stderr?.on("data", (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-20000)));
  await waitHealthy(base, 60_000);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

async function signInAsGuest(page: Page, tag: string): Promise<void> {
  await page.goto(base + "/");
  await page.getByTestId("guest-button").click();
  await page.getByTestId("balance").waitFor();
  await shot(page, `${tag}-01-lobby`);
}

async function playGuandanMatch(page: Page, tag: string): Promise<void> {
  await page.getByTestId("room-fast-bots").check();
  await page.getByTestId("room-bots").check();
  for (const k of ["play", "tribute", "ret"]) await page.getByTestId(`room-timer-${k}`).fill("15");
  await page.getByTestId("room-create").click();
  const table = page.getByTestId("table");
  await table.waitFor({ timeout: 30_000 });

  // Take a seat and declare ready when the server asks for it (the host may be seated already).
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if ((await page.getByTestId("hand").count()) > 0) break;
    const sit = page.getByTestId("sit-0");
    if (await sit.isVisible().catch(() => false)) await sit.click().catch(() => undefined);
    const ready = page.getByTestId("ready-button");
    if (await ready.isVisible().catch(() => false)) await ready.click().catch(() => undefined);
    await page.waitForTimeout(300);
  }
  await page.getByTestId("hand").waitFor({ timeout: 60_000 });
  await shot(page, `${tag}-02-deal`);

  const deadline = Date.now() + MATCH_MS_MAX;
  let turns = 0;
  let shotMid = false;
  while (Date.now() < deadline) {
    if (await page.getByTestId("match-result").isVisible().catch(() => false)) break;
    if ((await table.getAttribute("data-my-turn").catch(() => "0")) !== "1") {
      await page.waitForTimeout(100);
      continue;
    }
    const hint = page.getByTestId("hint-button");
    const play = page.getByTestId("play-button");
    const pass = page.getByTestId("pass-button");
    const legalBefore = await table.getAttribute("data-legal");
    await hint.click().catch(() => undefined);
    // The hint answer selects the cards (or says pass).
    await page
      .waitForFunction((before) => {
        const t = document.querySelector('[data-testid="table"]');
        return !t || t.getAttribute("data-hint") !== "" || t.getAttribute("data-my-turn") !== "1" || t.getAttribute("data-legal") !== before;
      }, legalBefore, { timeout: 10_000 })
      .catch(() => undefined);
    if (await play.isEnabled().catch(() => false)) {
      await play.click().catch(() => undefined);
    } else if (await pass.isEnabled().catch(() => false)) {
      await pass.click().catch(() => undefined);
    } else {
      await page.waitForTimeout(200);
      continue;
    }
    const chooser = page.getByTestId("reading-chooser");
    if (await chooser.isVisible().catch(() => false)) await chooser.locator("button.reading").first().click();
    turns++;
    if (!shotMid && turns === 5) {
      shotMid = true;
      await shot(page, `${tag}-03-midgame`);
    }
    // Wait until the action is taken (our turn ends, or the next turn's legal moves arrive).
    await page
      .waitForFunction(
        (before) => {
          const t = document.querySelector('[data-testid="table"]');
          return !t || t.getAttribute("data-my-turn") !== "1" || t.getAttribute("data-legal") !== before;
        },
        legalBefore,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
  }
  await page.getByTestId("match-result").waitFor({ timeout: 5_000 });
  expect(turns).toBeGreaterThan(0);
  await shot(page, `${tag}-04-match-result`);
  await page.getByTestId("result-lobby").click();
  await page.getByTestId("balance").waitFor();
}

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
  const outcome = await page.getByTestId("verified-outcome").textContent();
  expect(outcome).toContain("roll");
  if ((await page.getByTestId("verify-verdict").count()) > 0) expect(await page.getByTestId("verify-verdict").textContent()).toContain("✔");
  await shot(page, `${tag}-06-verified`);
}

describe.each([
  { tag: "desktop", width: 1280, height: 720 },
  { tag: "phone", width: 844, height: 390 },
])("a new player on $tag ($width×$height)", ({ tag, width, height }) => {
  it("plays a full Guandan match with bots, a dice bet, and verifies it", async () => {
    const context = await browser!.newContext({ viewport: { width, height }, isMobile: tag === "phone", hasTouch: tag === "phone" });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
    try {
      await signInAsGuest(page, tag);
      await playGuandanMatch(page, tag);
      await diceBetAndVerify(page, tag);
    } catch (e) {
      await shot(page, `${tag}-failure`).catch(() => undefined);
      console.error(serverLog.slice(-4000));
      throw e;
    } finally {
      await context.close();
    }
  });
});
