// Pure helpers of the tournament and mission screens (no React, no fetch): countdowns, the player's
// own standings row, the prize table as text, grants, reward states and the draw verifier's checks.
// Money is integer minor units throughout; percentages come from basis points with integer maths.
import type {
  ContestDetail,
  ContestStatus,
  Grant,
  MissionStage,
  MyStanding,
  PrizeStep,
  PrizeTable,
  RewardView,
  StandingRow,
} from "../api/types";
import { verifyDraw, type DrawWinner } from "../fair/draw";
import { sha256Hex } from "../fair/stream";

/** What a screen needs of the i18n context (`useI18n()` fits). */
export interface Fmt {
  t: (key: string, vars?: Record<string, string | number>) => string;
  money: (minor: number, currency?: string) => string;
}

// ---- countdowns ----

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A remaining time as `mm:ss`, `hh:mm:ss` or `{days} hh:mm:ss` (rounded up to the second, so the
 * last second shows `00:01`, never `00:00` early); negative times show `00:00`.
 */
export function formatCountdown(ms: number, days: (n: number) => string = (n) => `${n}d`): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${days(d)} ${pad(h)}:${pad(m)}:${pad(s)}`;
  if (h > 0) return `${pad(h)}:${pad(m)}:${pad(s)}`;
  return `${pad(m)}:${pad(s)}`;
}

export type Phase =
  | { kind: "starts"; at: number }
  | { kind: "ends"; at: number }
  | { kind: "ended"; at: number | null }
  | { kind: "cancelled" }
  /** A standing leaderboard: no window. */
  | { kind: "open" };

/** Where a contest stands at `now` by the client's clock: the countdown's target. */
export function contestPhase(c: { status: ContestStatus; starts_at_ms: number | null; ends_at_ms: number | null; final?: boolean }, now: number): Phase {
  if (c.status === "cancelled") return { kind: "cancelled" };
  if (c.final || c.status === "ended") return { kind: "ended", at: c.ends_at_ms };
  if (c.starts_at_ms !== null && now < c.starts_at_ms) return { kind: "starts", at: c.starts_at_ms };
  if (c.ends_at_ms !== null) return now < c.ends_at_ms ? { kind: "ends", at: c.ends_at_ms } : { kind: "ended", at: c.ends_at_ms };
  return { kind: "open" };
}

/** The countdown line: "Starts in 04:05", "Ends in 1d 02:03:04", "Ended", … */
export function phaseText(p: Phase, now: number, fmt: Pick<Fmt, "t">): string {
  const days = (n: number) => fmt.t("compete.days", { n });
  switch (p.kind) {
    case "starts":
      return fmt.t("compete.startsIn", { time: formatCountdown(p.at - now, days) });
    case "ends":
      return fmt.t("compete.endsIn", { time: formatCountdown(p.at - now, days) });
    case "ended":
      return fmt.t("compete.ended");
    case "cancelled":
      return fmt.t("compete.status.cancelled");
    case "open":
      return fmt.t("compete.standing");
  }
}

/** Whether the Join button applies: an opt-in contest not joined yet that has not ended. */
export function canJoin(c: { join: string; joined: boolean; status: ContestStatus }, phase: Phase): boolean {
  return c.join === "opt_in" && !c.joined && (c.status === "active" || c.status === "upcoming") && (phase.kind === "starts" || phase.kind === "ends" || phase.kind === "open");
}

// ---- standings ----

export interface StandingsView {
  rows: Array<StandingRow & { mine: boolean }>;
  /** The player's own row, pinned below the table when it is not among the visible rows. */
  pinned: MyStanding | null;
}

/** Marks the player's row in the top and pins theirs below when they are not in it. */
export function pinMine(top: StandingRow[], me: MyStanding | null, myUserId: string | null | undefined): StandingsView {
  const rows = top.map((r) => ({ ...r, mine: !!myUserId && r.user_id === myUserId }));
  const inTop = rows.some((r) => r.mine);
  return { rows, pinned: me && !inTop ? me : null };
}

/** The `delta` arrow: ▲ places gained, ▼ places lost, – unchanged. */
export function deltaArrow(delta: number): { text: string; dir: "up" | "down" | "same" } {
  if (delta > 0) return { text: `▲${delta}`, dir: "up" };
  if (delta < 0) return { text: `▼${-delta}`, dir: "down" };
  return { text: "–", dir: "same" };
}

/**
 * The arrow to show: the server's `delta` counts places since the player's previous request, so a
 * poll right after a move answers 0; the last movement stays on screen until the rank moves again.
 */
export function carryDelta(prev: { rank: number; delta: number } | null, me: MyStanding | null): number {
  if (!me) return 0;
  if (me.delta !== 0) return me.delta;
  return prev && prev.rank === me.rank ? prev.delta : 0;
}

/** A score as shown: `max_multiplier` scores are hundredths of a multiplier (1234 → "12.34×"). */
export function scoreText(score: number, mode: string | null | undefined, num: (n: number) => string = String): string {
  const m = (mode ?? "").replace(/_/g, "");
  if (m === "maxmultiplier") return `${percentOf(score)}×`;
  return num(score);
}

// ---- prize table ----

/** Basis points as a percentage without floats: 5000 → "50", 1250 → "12.5", 5 → "0.05". */
export function percentOf(bp: number): string {
  const neg = bp < 0;
  const a = Math.abs(Math.trunc(bp));
  const frac = String(a % 100).padStart(2, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${Math.floor(a / 100)}${frac ? "." + frac : ""}`;
}

/** What one rank of the step pays out of `pool` (floor(pool × bp / 10000), as the server splits). */
export function stepAmount(step: PrizeStep, pool: number | null): number | null {
  if ("amount" in step.share) return step.share.amount;
  if (pool === null) return null;
  return Number((BigInt(Math.max(0, pool)) * BigInt(step.share.basis_points)) / 10000n);
}

export interface PrizeLine {
  /** "1" or "4–10". */
  ranks: string;
  /** The share of the pool in percent, when the step pays a share. */
  percent: string | null;
  /** Minor units each rank of the step wins (known for amounts, and for shares once the pool is). */
  amount: number | null;
  /** Whether the step covers more than one rank (each of them wins `amount`). */
  each: boolean;
}

export function prizeLines(table: PrizeTable, pool: number | null = null): PrizeLine[] {
  return table.ladder.map((s) => ({
    ranks: s.from === s.to ? String(s.from) : `${s.from}–${s.to}`,
    percent: "basis_points" in s.share ? percentOf(s.share.basis_points) : null,
    amount: stepAmount(s, pool),
    each: s.to > s.from,
  }));
}

/** "50% · 50.00 PLAY", "20% each · 20.00 PLAY", "10.00 PLAY". */
export function prizeShareText(line: PrizeLine, currency: string, fmt: Fmt): string {
  const parts: string[] = [];
  if (line.percent !== null) parts.push(fmt.t(line.each ? "compete.percentEach" : "compete.percent", { p: line.percent }));
  if (line.amount !== null) parts.push(fmt.t(line.each && line.percent === null ? "compete.amountEach" : "compete.amount", { amount: fmt.money(line.amount, currency) }));
  return parts.join(" · ");
}

/** The pool: "100.00 PLAY guaranteed + 5% of stakes, at most … + entry fees", or the final pool. */
export function poolText(table: PrizeTable, hasFee: boolean, finalPool: number | null, fmt: Fmt): string {
  const cur = table.currency ?? "";
  if (finalPool !== null) return fmt.t("compete.poolFinal", { amount: fmt.money(finalPool, cur) });
  const parts = [fmt.t("compete.poolFixed", { amount: fmt.money(table.pool.fixed, cur) })];
  if (table.pool.stake_share_basis_points > 0) parts.push(fmt.t("compete.poolShare", { p: percentOf(table.pool.stake_share_basis_points) }));
  if (table.pool.ceiling !== null) parts.push(fmt.t("compete.poolCap", { amount: fmt.money(table.pool.ceiling, cur) }));
  if (hasFee) parts.push(fmt.t("compete.poolFees"));
  return parts.join(" ");
}

/** How the scheme pays, in one sentence. */
export function schemeText(table: PrizeTable, fmt: Pick<Fmt, "t">): string {
  switch (table.scheme) {
    case "ladder":
      return fmt.t("compete.scheme.ladder");
    case "proportional":
      return table.places !== null ? fmt.t("compete.scheme.proportionalTop", { n: table.places }) : fmt.t("compete.scheme.proportional");
    case "ticket_draw":
      return fmt.t("compete.scheme.ticket_draw", { n: table.winners ?? table.ladder.length });
  }
}

/** The whole prize table as lines of text (the screen shows the same pieces). */
export function prizeTableText(table: PrizeTable, fmt: Fmt, opts: { hasFee?: boolean; finalPool?: number | null } = {}): string[] {
  const cur = table.currency ?? "";
  const label = table.scheme === "ticket_draw" ? "compete.placeLabel" : "compete.rankLabel";
  const lines = [schemeText(table, fmt), poolText(table, !!opts.hasFee, opts.finalPool ?? null, fmt)];
  for (const l of prizeLines(table, opts.finalPool ?? null)) lines.push(`${fmt.t(label, { ranks: l.ranks })}: ${prizeShareText(l, cur, fmt)}`);
  if (table.claim_within_ms !== null) lines.push(fmt.t("compete.claimWithin", { time: formatCountdown(table.claim_within_ms, (n) => fmt.t("compete.days", { n })) }));
  return lines;
}

// ---- missions and rewards ----

/** A grant in words: "5.00 PLAY", "5 points", "10 free spins on fruit-machine at 1.00 PLAY". */
export function grantText(g: Grant | null, fmt: Fmt): string {
  if (!g) return "—";
  if ("chips" in g) return fmt.money(g.chips.amount, g.chips.currency);
  if ("points" in g) return fmt.t("grant.points", { n: g.points.amount });
  return fmt.t("grant.freeSpins", { spins: g.free_spins.spins, game: g.free_spins.game, bet: fmt.money(g.free_spins.bet, g.free_spins.currency) });
}

/** A stage's progress in whole percent, 0–100 (done stages are full). */
export function stagePercent(s: Pick<MissionStage, "progress" | "target" | "done">): number {
  if (s.done) return 100;
  if (s.target <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((s.progress * 100) / s.target)));
}

/** The index of the stage that facts count toward now (stages are ordered); -1 when all are done. */
export function currentStage(stages: MissionStage[]): number {
  return stages.findIndex((s) => !s.done);
}

export type RewardState = "claimable" | "expired" | "paying" | "paid";

/** What the inbox shows: offered rewards past their window are expired even before the server says so. */
export function rewardState(r: Pick<RewardView, "status" | "expires_at_ms">, now: number): RewardState {
  if (r.status === "expired") return "expired";
  if (r.status === "paid") return "paid";
  if (r.status === "paying") return "paying";
  if (r.expires_at_ms !== null && now >= r.expires_at_ms) return "expired";
  return "claimable";
}

// ---- errors ----

/** A server error as a translated message (`compete.err.<code>`), else the server's own words. */
export function errorText(e: unknown, fmt: Pick<Fmt, "t">): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const key = `compete.err.${code}`;
    const s = fmt.t(key);
    if (s !== key) return s;
  }
  return e instanceof Error ? e.message : String(e);
}

// ---- the draw verifier ----

export type FairCheck =
  | { kind: "draw"; commitmentMatches: boolean; winnersMatch: boolean; computed: DrawWinner[] }
  | { kind: "commitment"; commitmentMatches: boolean; hash: string };

/**
 * Checks a final contest's revealed seed: for a ticket draw, re-runs the draw from the published
 * tickets (`verifyDraw`) and compares the winners; otherwise checks SHA-256(seed) = commitment.
 * Null while the seed is not revealed.
 */
export async function checkContest(c: Pick<ContestDetail, "id" | "seed" | "commitment" | "prizes" | "result">): Promise<FairCheck | null> {
  const seed = c.seed ?? c.result?.draw?.seed ?? null;
  if (!seed) return null;
  const commitment = c.commitment || c.result?.draw?.commitment || "";
  const draw = c.result?.draw;
  if (c.prizes?.scheme === "ticket_draw" && draw) {
    const entries = draw.tickets.filter(([u, t]) => /^-?\d+$/.test(u) && /^\d+$/.test(t)).map(([u, t]) => ({ userId: u, tickets: BigInt(t) }));
    const published = draw.winners.map((w) => ({ place: w.place, userId: w.user_id, ticket: BigInt(w.ticket || "0") }));
    const winners = c.prizes.winners ?? published.length;
    const r = await verifyDraw(seed, commitment, c.id, entries, winners, published);
    return { kind: "draw", commitmentMatches: r.commitmentMatches, winnersMatch: r.winnersMatch, computed: r.computed };
  }
  const hash = await sha256Hex(seed);
  return { kind: "commitment", commitmentMatches: hash === commitment.trim().toLowerCase(), hash };
}
