// Client-side game figures for previews only (the server decides every payout): dice and limbo
// multipliers, the payout rule floor(stake × multiplier), and readers for round views.
import type { BetView } from "../api/types";

const SCALE = 100_000_000; // multipliers in units of 1e-8, as in crate casino

/** Dice: 99 / chance%, rounded down to 1e-8. */
export function diceMultiplier(chancePercent: number): number {
  if (!(chancePercent > 0)) return 0;
  const hundredths = Math.round(chancePercent * 100);
  return Math.floor((99 * 100 * SCALE) / hundredths) / SCALE;
}

/** Limbo: P(result ≥ target) ≈ 99 / target percent. */
export function limboChance(target: number): number {
  return target > 0 ? 99 / target : 0;
}

/** floor(stake × multiplier) in minor units, with the multiplier taken at 1e-8. */
export function payoutPreview(stakeMinor: number, multiplier: number): number {
  // The multiplier has at most 8 decimals: rounding recovers its exact 1e-8 units from the double.
  const units = BigInt(Math.round(multiplier * SCALE));
  return Number((BigInt(Math.max(0, Math.floor(stakeMinor))) * units) / BigInt(SCALE));
}

/** A multiplier as sent by the server (number, decimal string or 1e-8 units) for display. */
export function multiplierNumber(m: unknown): string {
  if (m === null || m === undefined) return "—";
  const n = typeof m === "string" ? Number(m) : Number(m);
  if (!Number.isFinite(n)) return String(m);
  const v = Number.isInteger(n) && n >= SCALE / 100 ? n / SCALE : n;
  return v.toFixed(2);
}

/** The public view of a multi-step round inside a bet or action answer. */
export function roundViewOf(b: BetView): Record<string, unknown> | null {
  const r = (b.round ?? null) as Record<string, unknown> | null;
  if (r && typeof r === "object") return (r.view as Record<string, unknown>) ?? r;
  return (b.outcome as Record<string, unknown>) ?? null;
}

export function roundIdOf(b: BetView): string {
  const r = b.round as Record<string, unknown> | null | undefined;
  return String(b.round_id ?? r?.round_id ?? r?.id ?? b.bet_id);
}

/** "open", "busted", "cashed_out", … (serde tags the state as `{"state": "open"}`). */
export function roundStateOf(view: Record<string, unknown> | null): string | null {
  if (!view) return null;
  const s = view.state ?? view.phase;
  if (s && typeof s === "object") return String((s as { state?: string }).state ?? "");
  if (typeof s === "string") return s === "player_turn" || s === "insurance_offered" ? "open" : s === "finished" ? "finished" : s;
  return null;
}
