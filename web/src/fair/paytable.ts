// The multiplier and payout of a table game (wheel, plinko), recomputed from the game's PUBLISHED
// paytable (`GET /v1/games/{game}` → `paytables[risk][segments | rows]`, multipliers with two
// decimals, crates/services/games/src/catalogue.rs) instead of trusting the bet record, then the payout
// with the one rounding rule of docs/fairness.md §4: floor(stake × multiplier), in integers.
import type { Step } from "./games";
import { multiplierUnits } from "../casino/math";

/** Games whose multiplier is a lookup in a published paytable, and the param that picks the table. */
export const PAYTABLE_GAMES: Record<string, { size: "segments" | "rows"; index: "segment" | "bucket" }> = {
  wheel: { size: "segments", index: "segment" },
  plinko: { size: "rows", index: "bucket" },
};

export interface TableMultiplier {
  /** The multiplier as published (e.g. 1.2). */
  multiplier: number;
  /** The same in exact integer hundredths (120). */
  hundredths: number;
  step: Step;
}

/** The subset of the catalogue entry this module reads. */
export interface CatalogueEntry {
  paytables?: unknown;
  limits?: unknown;
  [key: string]: unknown;
}

/**
 * Looks the multiplier up in the catalogue's paytable. Throws with a readable message when the
 * table, the risk, the size or the index is missing (the bet cannot then be verified independently).
 */
export function tableMultiplier(game: string, params: Record<string, unknown>, outcome: Record<string, unknown>, entry: CatalogueEntry): TableMultiplier {
  const spec = PAYTABLE_GAMES[game];
  if (!spec) throw new Error(`${game} has no paytable`);
  const risk = String(params.risk ?? "");
  const size = String(params[spec.size] ?? "");
  const index = Number(outcome[spec.index]);
  const tables = entry.paytables as Record<string, Record<string, unknown>> | undefined;
  const table = tables?.[risk]?.[size];
  if (!Array.isArray(table)) throw new Error(`the catalogue publishes no ${game} paytable for risk "${risk}" and ${spec.size} ${size}`);
  if (!Number.isInteger(index) || index < 0 || index >= table.length) {
    throw new Error(`${spec.index} ${index} is outside the published ${game} paytable (${table.length} entries)`);
  }
  const multiplier = Number(table[index]);
  if (!Number.isFinite(multiplier) || multiplier < 0) throw new Error(`invalid paytable entry ${String(table[index])}`);
  const hundredths = Math.round(multiplier * 100);
  return {
    multiplier,
    hundredths,
    step: {
      label: "verify.step.paytable",
      detail: `GET /v1/games/${game} → paytables.${risk}["${size}"] = [${table.join(", ")}]\n${spec.index} ${index} → × ${multiplier}`,
    },
  };
}

/** floor(stake × hundredths / 100), exact in integers (a table multiplier is whole hundredths). */
export function tablePayout(stakeMinor: number | bigint, hundredths: number): bigint {
  return (BigInt(stakeMinor) * BigInt(hundredths)) / 100n;
}

/** The per-currency payout cap the catalogue publishes (`limits[currency].max_payout`), if any. */
export function maxPayout(entry: CatalogueEntry | null | undefined, currency: string | undefined): bigint | null {
  if (!entry || !currency) return null;
  const limits = entry.limits as Record<string, { max_payout?: unknown }> | undefined;
  const cap = limits?.[currency]?.max_payout;
  return typeof cap === "number" && Number.isSafeInteger(cap) ? BigInt(cap) : null;
}

/** The bet record fields the settlement check compares. */
export interface BetRecord {
  amount?: number | null;
  currency?: string | null;
  /** The wire format: the exact decimal string (docs/games-api.md). */
  multiplier?: string | null;
  payout?: number | null;
}

export interface SettlementCheck {
  /** Recomputed multiplier (published paytable), hundredths. */
  hundredths: number;
  /** Slots: the recomputed multiplier in exact 1e-8 units (hundredths would round it). */
  units?: bigint;
  /** Recomputed payout in minor units, after the published cap; null without the stake. */
  payout: bigint | null;
  /** True when the published max_payout lowered the payout. */
  capped: boolean;
  /** Server's multiplier agrees with the paytable's: null when the record has none. */
  multiplierAgrees: boolean | null;
  /** Server's payout agrees with the recomputed one: null when the record lacks stake or payout. */
  payoutAgrees: boolean | null;
  steps: Step[];
}

/** Compares the paytable multiplier and the payout it implies with the server's bet record. */
export function checkSettlement(table: TableMultiplier, bet: BetRecord, entry: CatalogueEntry | null | undefined): SettlementCheck {
  const steps: Step[] = [];
  // Absent: not recorded (null); present but not the wire format: it does not agree.
  const serverUnits = multiplierUnits(bet.multiplier);
  const multiplierAgrees = bet.multiplier === null || bet.multiplier === undefined ? null : serverUnits === BigInt(table.hundredths) * 1_000_000n;
  steps.push({
    label: "verify.step.multiplier",
    detail: `paytable × ${table.multiplier} · bet record × ${bet.multiplier ?? "—"} → ${multiplierAgrees === null ? "not recorded" : multiplierAgrees ? "equal" : "DIFFERENT"}`,
  });
  let payout: bigint | null = null;
  let capped = false;
  let payoutAgrees: boolean | null = null;
  if (typeof bet.amount === "number" && Number.isSafeInteger(bet.amount) && bet.amount >= 0) {
    const raw = tablePayout(bet.amount, table.hundredths);
    const cap = maxPayout(entry, bet.currency ?? undefined);
    payout = cap !== null && raw > cap ? cap : raw;
    capped = payout !== raw;
    if (typeof bet.payout === "number") payoutAgrees = BigInt(bet.payout) === payout;
    steps.push({
      label: "verify.step.payout",
      detail:
        `floor(${bet.amount} × ${table.hundredths} / 100) = ${raw}` +
        (capped ? ` → capped at max_payout ${cap}` : "") +
        ` · bet record ${bet.payout ?? "—"} → ${payoutAgrees === null ? "not recorded" : payoutAgrees ? "equal" : "DIFFERENT"}`,
    });
  }
  return { hundredths: table.hundredths, payout, capped, multiplierAgrees, payoutAgrees, steps };
}
