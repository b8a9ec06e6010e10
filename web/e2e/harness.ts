// Shared end-to-end setup: the real `playhouse` binary on a free port with a temporary data
// directory, and Debian's Chromium through playwright-core (no browser download).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const WEB_DIR = resolve(__dirname, "..");
export const BIN = resolve(WEB_DIR, process.env.PLAYHOUSE_BIN ?? "../target/debug/playhouse");
export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const ARTIFACTS = join(WEB_DIR, "e2e-artifacts");

export interface Harness {
  base: string;
  browser: Browser;
  /** The server's temporary data directory and its database (for `playhouse admin …` and the like). */
  dataDir: string;
  databaseUrl: string;
  log: () => string;
  stop: () => Promise<void>;
}

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

/** The environment for the binary: it reads PLAYHOUSE_* as configuration; pass only what is meant for it. */
function binEnv(): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !["PLAYHOUSE_BIN", "PLAYHOUSE_URL", "PLAYHOUSE_SKIP_WEB_BUILD"].includes(k))),
    RUST_LOG: process.env.RUST_LOG ?? "warn",
  };
}

export async function start(): Promise<Harness> {
  if (!existsSync(BIN)) throw new Error(`playhouse binary not found at ${BIN} (set PLAYHOUSE_BIN)`);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "playhouse-e2e-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let serverLog = "";
  const databaseUrl = `sqlite://${join(dataDir, "playhouse.db")}`;
  const server: ChildProcess = spawn(
    BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--database-url", databaseUrl],
    {
      cwd: dataDir,
      env: {
        ...binEnv(),
        PLAYHOUSE_RATE_LIMIT__PER_IP_PER_SEC: "1000",
        PLAYHOUSE_RATE_LIMIT__PER_IP_BURST: "2000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const append = (d: Buffer) => (serverLog = (serverLog + d.toString()).slice(-20000));
  server.stdout?.on("data", append);
  server.stderr?.on("data", append);
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (server.exitCode !== null) throw new Error(`playhouse exited: ${serverLog.slice(-2000)}`);
    if (Date.now() > until) throw new Error(`playhouse did not become healthy: ${serverLog.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      // A page fulfilled by serveWebDist has no address space: let it reach the local server.
      ...(process.env.E2E_WEB_DIST ? ["--disable-features=LocalNetworkAccessChecks"] : []),
    ],
  });
  return {
    base,
    browser,
    dataDir,
    databaseUrl,
    log: () => serverLog,
    stop: async () => {
      await browser.close().catch(() => undefined);
      if (server.exitCode === null && server.signalCode === null) {
        // Wait for the server to exit (a graceful shutdown flushes its logs) before deleting its
        // data folder; past 30 s it is killed.
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        const killer = setTimeout(() => server.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Makes an existing account an administrator: `playhouse admin grant EMAIL` on the harness's database. */
export function grantAdmin(h: Harness, email: string): void {
  execFileSync(BIN, ["admin", "grant", email, "--database-url", h.databaseUrl], { cwd: h.dataDir, env: binEnv(), stdio: "pipe" });
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/**
 * With `E2E_WEB_DIST` set (e.g. `E2E_WEB_DIST=dist` after `npm run build`), the context gets the
 * client from that directory instead of the one embedded in the binary at its build time (the API
 * still goes to the server). Without it, nothing changes.
 */
export async function serveWebDist(context: BrowserContext): Promise<void> {
  const dir = process.env.E2E_WEB_DIST ? resolve(WEB_DIR, process.env.E2E_WEB_DIST) : null;
  if (!dir) return;
  if (!existsSync(join(dir, "index.html"))) throw new Error(`E2E_WEB_DIST: no index.html in ${dir} (npm run build)`);
  await context.route(
    (url) => !url.pathname.startsWith("/v1/") && url.pathname !== "/health",
    async (route) => {
      const path = normalize(decodeURIComponent(new URL(route.request().url()).pathname)).replace(/^([/\\])+/, "");
      let file = join(dir, path);
      if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) file = join(dir, "index.html");
      await route.fulfill({ status: 200, contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream", body: readFileSync(file) });
    },
  );
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

export async function signInAsGuest(page: Page, base: string, tag: string): Promise<void> {
  await page.goto(base + "/");
  await page.getByTestId("guest-button").click();
  await page.getByTestId("balance").waitFor();
  await shot(page, `${tag}-01-lobby`);
}

/** Creates a private room with bots and fast timers, sits and readies until cards are dealt. */
export async function createRoomAndStart(page: Page, tag: string): Promise<void> {
  await page.getByTestId("room-fast-bots").check();
  await page.getByTestId("room-bots").check();
  for (const k of ["play", "tribute", "ret"]) await page.getByTestId(`room-timer-${k}`).fill("15");
  await page.getByTestId("room-create").click();
  await page.getByTestId("table").waitFor({ timeout: 30_000 });
  // Take a seat and declare ready when the server asks for it (the host may be seated already).
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if ((await page.getByTestId("hand").count()) > 0) break;
    // Only we act on these buttons, so a visible one stays until clicked: a failed click fails the test.
    const sit = page.getByTestId("sit-0");
    if (await sit.isVisible()) await sit.click({ timeout: 10_000 });
    const ready = page.getByTestId("ready-button");
    if (await ready.isVisible()) await ready.click({ timeout: 10_000 });
    await page.waitForTimeout(300);
  }
  await page.getByTestId("hand").waitFor({ timeout: 60_000 });
  await shot(page, `${tag}-02-deal`);
}

/** The table's numeric data attribute `name` (0 when absent). */
async function tableNumber(page: Page, name: string): Promise<number> {
  return Number((await page.getByTestId("table").getAttribute(name)) ?? "0");
}

/**
 * Clicks Hint then Play (or Pass) on every turn until the match result shows; returns the number of
 * moves the server applied for us. Every click must succeed, every move must be applied by the
 * server (the table's `data-my-moves` counts our seat's plays, passes, tributes and returns as the
 * server broadcasts them), no request may be refused (`data-errors`), and auto-play must never take
 * the seat over (`data-auto`): the test fails otherwise instead of letting the bots finish the match.
 */
export async function playUntilMatchResult(page: Page, tag: string, timeoutMs: number): Promise<number> {
  const table = page.getByTestId("table");
  const deadline = Date.now() + timeoutMs;
  const errorsAtStart = await tableNumber(page, "data-errors");
  let moves = 0;
  while (Date.now() < deadline) {
    if (await page.getByTestId("match-result").isVisible()) break;
    expect(await table.getAttribute("data-auto"), "auto-play took our seat over").toBe("0");
    if ((await table.getAttribute("data-my-turn")) !== "1") {
      await page.waitForTimeout(100);
      continue;
    }
    const legalBefore = await table.getAttribute("data-legal");
    const movesBefore = await tableNumber(page, "data-my-moves");
    await page.getByTestId("hint-button").click();
    // The hint answer selects the cards (or says pass); the turn may not end meanwhile.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="table"]')?.getAttribute("data-hint") !== "",
      undefined,
      { timeout: 10_000 },
    );
    const play = page.getByTestId("play-button");
    const pass = page.getByTestId("pass-button");
    // The hint selects its cards in the render after it arrives: wait for that render to enable a
    // button (the check below still fails the test when none ever is).
    await page
      .waitForFunction(
        () =>
          ["play-button", "pass-button"].some(
            (id) => (document.querySelector(`[data-testid="${id}"]`) as HTMLButtonElement | null)?.disabled === false,
          ),
        undefined,
        { timeout: 5_000 },
      )
      .catch(() => undefined);
    if (await play.isEnabled()) await play.click();
    else if (await pass.isEnabled()) await pass.click();
    else throw new Error(`turn ${moves + 1}: the hint left neither Play nor Pass enabled (legal moves v${legalBefore})`);
    const chooser = page.getByTestId("reading-chooser");
    if (await chooser.isVisible()) await chooser.locator("button.reading").first().click();
    // The server applies the move and broadcasts it: our seat's move count goes up.
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid="table"]')?.getAttribute("data-my-moves") ?? "0") > before,
      movesBefore,
      { timeout: 10_000 },
    );
    expect(await tableNumber(page, "data-my-moves"), "exactly one move applied per click").toBe(movesBefore + 1);
    expect(await tableNumber(page, "data-errors"), "the server refused a request").toBe(errorsAtStart);
    moves++;
    if (moves === 5) await shot(page, `${tag}-03-midgame`);
  }
  await page.getByTestId("match-result").waitFor({ timeout: 5_000 });
  expect(await table.getAttribute("data-auto"), "auto-play took our seat over").toBe("0");
  await shot(page, `${tag}-04-match-result`);
  return moves;
}
