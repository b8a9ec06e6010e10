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

/** The one wire format of a multiplier (docs/games-api.md): a string holding the exact decimal of
 *  its units of 1e-8, at most 8 fractional digits ("0", "1.96039603", "1000000", "0.00000001"). */
const MULTIPLIER_TEXT = /^(\d+)(?:\.(\d{1,8}))?$/;
const UNITS = BigInt(SCALE);
const HUNDREDTH = BigInt(SCALE / 100);

/** A wire multiplier as exact integer units of 1e-8; `null` for anything not in the format. */
export function multiplierUnits(m: unknown): bigint | null {
  if (typeof m !== "string") return null;
  const r = MULTIPLIER_TEXT.exec(m);
  if (!r) return null;
  return BigInt(r[1]) * UNITS + BigInt((r[2] ?? "").padEnd(8, "0"));
}

/** Units of 1e-8 in the wire format (the inverse of `multiplierUnits`). */
export function multiplierWire(units: bigint): string {
  const whole = units / UNITS;
  const frac = units % UNITS;
  if (frac === BigInt(0)) return whole.toString();
  return `${whole}.${frac.toString().padStart(8, "0").replace(/0+$/, "")}`;
}

/** A wire multiplier for display: two decimals rounded down, the whole part grouped
 *  ("1,000,000.00"); a nonzero multiplier under 0.01 is shown in full ("0.00000001"); "—" when absent
 *  or malformed. */
export function multiplierText(m: unknown): string {
  const units = multiplierUnits(m);
  if (units === null) return "—";
  const whole = units / UNITS;
  const frac = units % UNITS;
  if (whole === BigInt(0) && frac > BigInt(0) && frac < HUNDREDTH) return m as string;
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}.${(frac / HUNDREDTH).toString().padStart(2, "0")}`;
}

/** floor(stake × multiplier) in minor units for a wire multiplier, exactly; `null` when malformed. */
export function payoutAt(stakeMinor: number, m: unknown): number | null {
  const units = multiplierUnits(m);
  if (units === null) return null;
  return Number((BigInt(Math.max(0, Math.floor(stakeMinor))) * units) / UNITS);
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
