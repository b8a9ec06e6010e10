// Each game's mapping from the bet's floats to its outcome, written to match crate `casino` exactly
// (docs/fairness.md §5), with every step recorded so the fairness page can show it.
import { drawFloats, indexOf, sha256Hex, type StreamDraw } from "./stream";
import { PAYTABLE_GAMES, checkSettlement, maxPayout, tableMultiplier, type BetRecord, type CatalogueEntry, type SettlementCheck } from "./paytable";
import { multiplierUnits } from "../casino/math";
import { StreamExhausted, roundJson, roundMultiplierUnits, slotDefinition, spinSlot, spinSteps, type RoundResult, type SlotDefinition } from "./slots";

export interface Step {
  /** i18n key of the step's title. */
  label: string;
  /** Plain text detail (numbers, formulas). */
  detail: string;
}

export interface Verification {
  game: string;
  hashMatches: boolean | null;
  computedHash: string;
  draw: StreamDraw;
  outcome: Record<string, unknown>;
  steps: Step[];
  /**
   * Wheel/plinko: the multiplier from the published paytable and the payout it implies, compared
   * with the bet record (null for other games or when the paytable could not be read).
   */
  settlement: SettlementCheck | null;
  /** Why the multiplier could not be recomputed independently (paytable missing), if so. */
  paytableError: string | null;
  /** Slots: the recomputed round (BigInt money), null for other games. */
  slot: RoundResult | null;
}

/** Most floats a slot round may draw (10,000 free spins of at most 7 floats each, with room). */
export const SLOT_FLOATS_MAX = 80_000;

/** True when the catalogue entry (or its absence, by game id) says the game is a slot. */
export function isSlot(game: string, entry: CatalogueEntry | null | undefined): boolean {
  return entry?.kind === "slot" || entry?.definition !== undefined || SLOT_GAME_IDS.includes(game);
}

/** The shipped slot ids, for the verify form's game list before the catalogue is read. */
export const SLOT_GAME_IDS = ["lantern_festival", "copper_canyon", "orchard_crates"];

/**
 * Plays a slot round from the bet's stream: the number of floats depends on the round (mystery draws,
 * free spins), so the stream is drawn in growing prefixes until the round completes.
 */
export async function drawSlotRound(
  def: SlotDefinition,
  lineBet: bigint,
  serverSeed: string,
  clientSeed: string,
  nonce: number,
): Promise<{ round: RoundResult; draw: StreamDraw }> {
  let count = def.reels + 1;
  for (;;) {
    const draw = await drawFloats(serverSeed, clientSeed, nonce, count);
    try {
      return { round: spinSlot(def, lineBet, draw.floats), draw };
    } catch (e) {
      if (!(e instanceof StreamExhausted) || count >= SLOT_FLOATS_MAX) throw e;
      count = Math.min(SLOT_FLOATS_MAX, count * 4);
    }
  }
}

/** Slot settlement: multiplier floor(total_win × 10^8 / total_bet) and payout min(total_win, max_payout). */
export function checkSlotSettlement(round: RoundResult, bet: BetRecord, entry: CatalogueEntry | null | undefined): SettlementCheck {
  const units = roundMultiplierUnits(round);
  const server = multiplierUnits(bet.multiplier);
  const multiplierAgrees = bet.multiplier === null || bet.multiplier === undefined ? null : server === units;
  const cap = maxPayout(entry, bet.currency ?? undefined);
  const payout = cap !== null && round.total_win > cap ? cap : round.total_win;
  const capped = payout !== round.total_win;
  const payoutAgrees = typeof bet.payout === "number" ? BigInt(bet.payout) === payout : null;
  const amountAgrees = typeof bet.amount === "number" ? BigInt(bet.amount) === round.total_bet : null;
  return {
    hundredths: Number(units / 1_000_000n),
    units,
    payout,
    capped,
    multiplierAgrees,
    payoutAgrees: payoutAgrees === null ? null : payoutAgrees && amountAgrees !== false,
    steps: [
      {
        label: "verify.step.multiplier",
        detail: `floor(${round.total_win} × 10^8 / ${round.total_bet}) = ${units} (× ${Number(units) / 1e8}) · bet record × ${bet.multiplier ?? "—"} → ${
          multiplierAgrees === null ? "not recorded" : multiplierAgrees ? "equal" : "DIFFERENT"
        }`,
      },
      {
        label: "verify.step.payout",
        detail:
          `total win ${round.total_win}` +
          (capped ? ` → capped at max_payout ${cap}` : "") +
          ` · bet record ${bet.payout ?? "—"} → ${payoutAgrees === null ? "not recorded" : payoutAgrees ? "equal" : "DIFFERENT"}` +
          (amountAgrees === false ? ` · stake ${bet.amount} ≠ total bet ${round.total_bet}` : ""),
      },
    ],
  };
}

const CARD_SUITS = ["D", "H", "S", "C"];
const CARD_RANKS = "23456789TJQKA";

/** Card index 0..51 (rank-major 2..A, suits ♦ ♥ ♠ ♣) to its code, e.g. 0 → "D2", 51 → "CA". */
export function cardCode(index: number): string {
  return CARD_SUITS[index % 4] + CARD_RANKS[Math.floor(index / 4)];
}

/** Dice: floor(f0 * 10001) / 100. */
export function diceRoll(u: number): number {
  return indexOf(u, 10001) / 100;
}

/** Limbo: floor((1e8 / (floor(f * 1e8) + 1) * 0.99) * 100) / 100, in f64 in this order. */
export function limboResult(u: number): number {
  const f = u / 2 ** 32;
  const x = (1e8 / (Math.floor(f * 1e8) + 1)) * 0.99;
  return Math.floor(x * 100) / 100;
}

/** Crash: max(1, 2^32 / (u + 1) × 0.99), in f64 in this order (fair::crash::crash_from_u32). */
export function crashRaw(u: number): number {
  return Math.max(1, (2 ** 32 / (u + 1)) * 0.99);
}

/** Crash point shown and settled: the raw point floored to hundredths. */
export function crashPoint(u: number): number {
  return Math.floor(crashRaw(u) * 100) / 100;
}

/** Removes `count` items one at a time from `list` at floor(f_k * remaining). */
export function drawWithoutReplacement<T>(list: T[], u32s: number[], count: number): T[] {
  const left = [...list];
  const out: T[] = [];
  for (let k = 0; k < count; k++) {
    const i = indexOf(u32s[k], left.length);
    out.push(left.splice(i, 1)[0]);
  }
  return out;
}

/** How many floats a game consumes, from its params. */
export function floatsNeeded(game: string, params: Record<string, unknown>): number {
  switch (game) {
    case "keno":
      return 10;
    case "mines":
      return Math.min(24, Math.max(1, Number(params.mines ?? 3)));
    case "plinko":
      return Math.min(16, Math.max(8, Number(params.rows ?? 16)));
    case "cards":
      return Math.min(1024, Math.max(1, Number(params.count ?? 52)));
    case "hilo":
    case "blackjack":
      return 52;
    case "floats":
      return Math.min(1024, Math.max(1, Number(params.count ?? 8)));
    default:
      return 1;
  }
}

/** The outcome object of `playhouse fair outcome` for the given floats. */
export function outcomeOf(game: string, params: Record<string, unknown>, draw: StreamDraw): { outcome: Record<string, unknown>; steps: Step[] } {
  const u = draw.u32s;
  const f0 = draw.floats[0];
  switch (game) {
    case "dice": {
      const roll = diceRoll(u[0]);
      return { outcome: { roll }, steps: [{ label: "verify.map.dice", detail: `floor(${f0} × 10001) / 100 = ${roll.toFixed(2)}` }] };
    }
    case "limbo": {
      const m = limboResult(u[0]);
      return {
        outcome: { multiplier: m },
        steps: [{ label: "verify.map.limbo", detail: `floor(1e8 / (floor(${f0} × 1e8) + 1) × 0.99 × 100) / 100 = ${m.toFixed(2)}` }],
      };
    }
    case "crash": {
      const point = crashPoint(u[0]);
      return {
        outcome: { crash_point: point },
        steps: [{ label: "verify.map.crash", detail: `u = ${u[0]} (first 4 bytes)\nmax(1, 2^32 / (u + 1) × 0.99) = ${crashRaw(u[0])} → floor(× 100) / 100 = ${point.toFixed(2)}` }],
      };
    }
    case "roulette": {
      const pocket = indexOf(u[0], 37);
      return { outcome: { pocket }, steps: [{ label: "verify.map.roulette", detail: `floor(${f0} × 37) = ${pocket}` }] };
    }
    case "wheel": {
      const segments = Number(params.segments ?? 10);
      const segment = indexOf(u[0], segments);
      return { outcome: { segment }, steps: [{ label: "verify.map.wheel", detail: `floor(${f0} × ${segments}) = ${segment}` }] };
    }
    case "keno": {
      const board = Array.from({ length: 40 }, (_, i) => i + 1);
      const drawn = drawWithoutReplacement(board, u, 10);
      return {
        outcome: { drawn },
        steps: drawn.map((n, k) => ({ label: "verify.map.keno", detail: `#${k + 1}: floor(${draw.floats[k]} × ${40 - k}) → ${n}` })),
      };
    }
    case "mines": {
      const m = floatsNeeded("mines", params);
      const tiles = Array.from({ length: 25 }, (_, i) => i);
      const mines = drawWithoutReplacement(tiles, u, m);
      return {
        outcome: { mines },
        steps: mines.map((t, k) => ({ label: "verify.map.mines", detail: `#${k + 1}: floor(${draw.floats[k]} × ${25 - k}) → ${t}` })),
      };
    }
    case "plinko": {
      const rows = floatsNeeded("plinko", params);
      const dirs = u.slice(0, rows).map((x) => (indexOf(x, 2) === 1 ? "R" : "L"));
      const path = dirs.join("");
      const bucket = dirs.filter((d) => d === "R").length;
      return {
        outcome: { path, bucket },
        steps: [{ label: "verify.map.plinko", detail: `floor(f × 2) per row → ${path}; bucket = ${bucket}` }],
      };
    }
    case "cards":
    case "hilo":
    case "blackjack": {
      const n = floatsNeeded(game, params);
      const cards = u.slice(0, n).map((x) => cardCode(indexOf(x, 52)));
      return {
        outcome: { cards },
        steps: [{ label: "verify.map.cards", detail: `floor(f × 52) → ${cards.slice(0, 12).join(" ")}${n > 12 ? " …" : ""}` }],
      };
    }
    case "floats":
      return { outcome: { floats: draw.floats.slice(0, floatsNeeded("floats", params)) }, steps: [] };
    default:
      return { outcome: {}, steps: [{ label: "verify.map.unknown", detail: game }] };
  }
}

/** Recomputes a bet from the revealed server seed: hash check, HMAC rounds, floats, mapping. */
export async function verifyBet(args: {
  game: string;
  serverSeed: string;
  serverSeedHash?: string | null;
  clientSeed: string;
  nonce: number;
  params?: Record<string, unknown> | null;
  /** The game's public catalogue entry (`GET /v1/games/{game}`): its paytable prices wheel/plinko. */
  catalogue?: CatalogueEntry | null;
  /** The server's bet record (stake, multiplier, payout) to check against the recomputation. */
  bet?: BetRecord | null;
}): Promise<Verification> {
  const params = args.params ?? {};
  const computedHash = await sha256Hex(args.serverSeed);
  const hashMatches = args.serverSeedHash ? computedHash === args.serverSeedHash.toLowerCase() : null;
  const header = (draw: StreamDraw, count: number): Step[] => [
    { label: "verify.step.hash", detail: `SHA256("${args.serverSeed}") = ${computedHash}` },
    ...draw.rounds.slice(0, 8).map((r) => ({ label: "verify.step.hmac", detail: `HMAC_SHA256("${args.serverSeed}", "${r.message}") = ${r.hmac}` })),
    ...(draw.rounds.length > 8 ? [{ label: "verify.step.hmac", detail: `… ${draw.rounds.length} rounds in all (rounds 0..${draw.rounds.length - 1})` }] : []),
    {
      label: "verify.step.floats",
      detail: draw.u32s
        .slice(0, 8)
        .map((x, k) => `f${k} = ${x} / 2^32 = ${draw.floats[k]}`)
        .join("\n") + (count > 8 ? `\n… (${count} floats)` : ""),
    },
  ];
  if (isSlot(args.game, args.catalogue)) return verifySlot(args, computedHash, hashMatches, header);
  const count = floatsNeeded(args.game, params);
  const draw = await drawFloats(args.serverSeed, args.clientSeed, args.nonce, count);
  const steps: Step[] = header(draw, count);
  const { outcome, steps: mapping } = outcomeOf(args.game, params, draw);
  steps.push(...mapping);
  let settlement: SettlementCheck | null = null;
  let paytableError: string | null = null;
  if (PAYTABLE_GAMES[args.game]) {
    try {
      if (!args.catalogue) throw new Error(`the published paytable of ${args.game} (GET /v1/games/${args.game}) is not available`);
      const table = tableMultiplier(args.game, params, outcome, args.catalogue);
      outcome.multiplier = table.multiplier;
      steps.push(table.step);
      settlement = checkSettlement(table, args.bet ?? {}, args.catalogue);
      steps.push(...settlement.steps);
    } catch (e) {
      paytableError = e instanceof Error ? e.message : String(e);
      steps.push({ label: "verify.step.paytableMissing", detail: paytableError });
    }
  }
  return { game: args.game, hashMatches, computedHash, draw, outcome, steps, settlement, paytableError, slot: null };
}

/** Slots: the round from the published definition, with one step per spin and the settlement check. */
async function verifySlot(
  args: Parameters<typeof verifyBet>[0],
  computedHash: string,
  hashMatches: boolean | null,
  header: (draw: StreamDraw, count: number) => Step[],
): Promise<Verification> {
  let def: SlotDefinition;
  try {
    if (!args.catalogue) throw new Error(`the published definition of ${args.game} (GET /v1/games/${args.game}) is not available`);
    def = slotDefinition(args.catalogue);
  } catch (e) {
    const paytableError = e instanceof Error ? e.message : String(e);
    const draw = await drawFloats(args.serverSeed, args.clientSeed, args.nonce, 1);
    return {
      game: args.game,
      hashMatches,
      computedHash,
      draw,
      outcome: {},
      steps: [...header(draw, 1), { label: "verify.step.paytableMissing", detail: paytableError }],
      settlement: null,
      paytableError,
      slot: null,
    };
  }
  const bet = args.bet ?? {};
  // The stake is the total bet; without a bet record a line bet of 1 shows the multiples of the line bet.
  const amount = typeof bet.amount === "number" && Number.isSafeInteger(bet.amount) && bet.amount > 0 ? BigInt(bet.amount) : BigInt(def.cost);
  const lineBet = amount / BigInt(def.cost);
  const { round, draw } = await drawSlotRound(def, lineBet, args.serverSeed, args.clientSeed, args.nonce);
  const steps = header(draw, round.floats_used);
  steps.push({
    label: "verify.step.slotDefinition",
    detail:
      `GET /v1/games/${args.game} → definition: ${def.reels}×${def.rows}, ${def.layout === "lines" ? `${def.paylines.length} lines` : `ways, cost ${def.cost}`}, ` +
      `reel sets ${def.reel_sets.map((s) => `${s.name} [${s.strips.map((x) => x.length).join(", ")}]`).join(", ")}` +
      (def.free_spins ? `, free spins on ${def.free_spins.trigger} ${JSON.stringify(def.free_spins.awards)} × ${def.free_spins.multiplier}` : "") +
      (def.mystery ? `, mystery ${def.mystery.symbol} (${def.mystery.min_count}+)` : "") +
      (def.max_win !== null ? `, cap ${def.max_win}× bet` : "") +
      `\nline bet = ${amount} / ${def.cost} = ${lineBet}`,
  });
  steps.push(...spinSteps(def, round, draw.floats));
  const settlement = checkSlotSettlement(round, bet, args.catalogue);
  if (args.bet) steps.push(...settlement.steps);
  const outcome = roundJson(round);
  return { game: args.game, hashMatches, computedHash, draw, outcome, steps, settlement: args.bet ? settlement : null, paytableError: null, slot: round };
}

/** Compares a recomputed outcome with the server's: every key we computed must agree. */
export function outcomeAgrees(computed: Record<string, unknown>, server: Record<string, unknown> | null | undefined): boolean | null {
  if (!server) return null;
  let compared = 0;
  for (const [k, v] of Object.entries(computed)) {
    if (!(k in server)) continue;
    compared++;
    if (canonical(v) !== canonical(server[k])) return false;
  }
  return compared > 0 ? true : null;
}

/** JSON with object keys sorted, so key order (the server's maps are sorted) never matters. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}
