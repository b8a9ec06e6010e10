// A slot round recomputed in the browser from the bet's floats and the game's PUBLISHED definition
// (`GET /v1/games/{game}` → `definition`, crates/services/games/src/catalogue.rs), written to match
// crate `slots` step by step (spin.rs, eval.rs): stops → window → mystery → line or ways wins →
// scatters → free spins → cap. Money is BigInt minor units; every pay is an integer multiple of the
// line bet, so nothing is ever rounded. The result has the exact shape (and key order) of the
// server's `outcome` (`slots::spin::RoundResult`), so the two compare as JSON.

export interface SlotSymbol {
  name: string;
  wild: boolean;
  wild_multiplier: number;
  scatter: boolean;
  /** Line (or way) pays in line bets: pays[n - 1] for a run of n. */
  pays: number[];
  /** Scatter pays in total bets: [n - 1] for n anywhere (the last entry for more); [] when none. */
  scatter_pays: number[];
}

export interface SlotDefinition {
  reels: number;
  rows: number;
  symbols: SlotSymbol[];
  layout: "lines" | "ways";
  /** For each payline the row (0 = top) on each reel; [] for ways games. */
  paylines: number[][];
  /** Total bet in line bets. */
  cost: number;
  /** reel_sets[0] is the base game's. */
  reel_sets: { name: string; strips: string[][] }[];
  free_spins: {
    trigger: string;
    awards: number[];
    multiplier: number;
    retrigger: boolean;
    reel_set: string;
    round_max: number;
  } | null;
  mystery: { symbol: string; min_count: number; becomes: { symbol: string; weight: number }[]; weight_total: number } | null;
  /** Cap on a round's win, in total bets. */
  max_win: number | null;
  line_bet_limit: number;
}

export interface LineWin {
  line: number;
  symbol: string;
  count: number;
  multiplier: bigint;
  win: bigint;
}
export interface WaysWin {
  symbol: string;
  reels: number;
  ways: bigint;
  multiplier: bigint;
  win: bigint;
}
export interface ScatterWin {
  symbol: string;
  count: number;
  multiplier: bigint;
  win: bigint;
  free_spins: number;
}
export interface SpinRecord {
  reel_set: string;
  stops: number[];
  grid: string[][];
  mystery: string | null;
  line_wins: LineWin[];
  ways_wins: WaysWin[];
  scatter_wins: ScatterWin[];
  multiplier: bigint;
  free_spins_awarded: number;
  win: bigint;
}
export interface RoundResult {
  line_bet: bigint;
  total_bet: bigint;
  base: SpinRecord;
  free_spins: SpinRecord[];
  total_win: bigint;
  uncapped_win: bigint;
  capped: boolean;
  free_spins_forfeited: number;
  floats_used: number;
}

/** The stream ended before the round did (the caller draws more floats and tries again). */
export class StreamExhausted extends Error {
  constructor(public used: number) {
    super(`stream: ran out after ${used} floats`);
  }
}

/** Reads `definition` from a catalogue entry, checking every field the spin uses. */
export function slotDefinition(entry: Record<string, unknown> | null | undefined): SlotDefinition {
  const d = entry?.definition as SlotDefinition | undefined;
  const fail = (what: string): never => {
    throw new Error(`the catalogue's slot definition is missing or invalid (${what})`);
  };
  if (!d || typeof d !== "object") return fail("definition");
  const int = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!int(d.reels) || d.reels < 1 || !int(d.rows) || d.rows < 1) fail("reels, rows");
  if (!Array.isArray(d.symbols) || d.symbols.length === 0) fail("symbols");
  for (const s of d.symbols) {
    if (typeof s.name !== "string" || !Array.isArray(s.pays) || s.pays.length !== d.reels || !Array.isArray(s.scatter_pays)) fail(`symbol ${String(s?.name)}`);
    if (![...s.pays, ...s.scatter_pays, s.wild_multiplier].every(int)) fail(`symbol ${s.name} pays`);
  }
  const names = new Set(d.symbols.map((s) => s.name));
  if (d.layout !== "lines" && d.layout !== "ways") fail("layout");
  if (d.layout === "lines" && (!Array.isArray(d.paylines) || d.paylines.length === 0 || d.paylines.some((l) => l.length !== d.reels || l.some((r) => !int(r) || r >= d.rows)))) fail("paylines");
  if (!int(d.cost) || d.cost < 1) fail("cost");
  if (!Array.isArray(d.reel_sets) || d.reel_sets.length === 0) fail("reel_sets");
  for (const set of d.reel_sets) {
    if (!Array.isArray(set.strips) || set.strips.length !== d.reels || set.strips.some((st) => st.length === 0 || st.some((c) => !names.has(c)))) fail(`reel set ${set.name}`);
  }
  if (d.free_spins && (!names.has(d.free_spins.trigger) || !d.reel_sets.some((s) => s.name === d.free_spins!.reel_set))) fail("free_spins");
  if (d.mystery && (!names.has(d.mystery.symbol) || d.mystery.becomes.some((b) => !names.has(b.symbol)) || !(d.mystery.weight_total > 0))) fail("mystery");
  return d;
}

/** `table[count - 1]`, the last entry for larger counts, 0 for a zero count or an empty table. */
function tableAt(table: number[], count: number): number {
  if (count === 0 || table.length === 0) return 0;
  return table[Math.min(count - 1, table.length - 1)];
}

/** Column-major window: window[r * rows + row] is a symbol index. */
type Window = number[];

interface LineState {
  locked: number | null;
  lead: number | null;
  numw: number;
  mult: number;
}

interface Hit {
  symbol: number;
  pay: bigint;
}

/** Pay of a line whose run is `run` cells: the greater of the symbol's pay (times the wild multiplier)
 *  and the leading wilds' own pay; ties go to the wild (eval.rs `Rules::finish`). */
function finish(def: SlotDefinition, st: LineState, run: number): Hit {
  if (run === 0) return { symbol: 0, pay: 0n };
  const mult = BigInt(Math.max(st.mult, 1));
  const sympay = st.locked === null ? 0n : BigInt(def.symbols[st.locked].pays[run - 1]) * mult;
  const wildpay = st.lead === null || st.numw === 0 ? 0n : BigInt(def.symbols[st.lead].pays[st.numw - 1]);
  if (sympay > wildpay) return { symbol: st.locked as number, pay: sympay };
  return { symbol: st.lead ?? 0, pay: wildpay };
}

interface WindowWins {
  lines: { line: number; symbol: number; count: number; multiplier: bigint; pay: bigint }[];
  ways: { symbol: number; reels: number; ways: bigint; pay: bigint }[];
  scatters: { symbol: number; count: number; pay: bigint; free_spins: number }[];
  free_spins: number;
  total: bigint;
}

/** Every win of a (mystery-resolved) window in line bets, before the free-spin multiplier. */
export function evaluateWindow(def: SlotDefinition, window: Window): WindowWins {
  const rows = def.rows;
  const sym = def.symbols;
  const out: WindowWins = { lines: [], ways: [], scatters: [], free_spins: 0, total: 0n };
  if (def.layout === "lines") {
    def.paylines.forEach((line, li) => {
      const st: LineState = { locked: null, lead: null, numw: 0, mult: 0 };
      let hit: Hit | null = null;
      let run = def.reels;
      for (let r = 0; r < line.length; r++) {
        const c = window[r * rows + line[r]];
        const wild = sym[c].wild;
        if (st.locked === null) {
          if (wild) {
            if (st.lead === null) st.lead = c;
            st.mult = Math.max(st.mult, sym[c].wild_multiplier);
            st.numw += 1;
          } else {
            st.locked = c;
          }
          continue;
        }
        if (c === st.locked || wild) {
          if (wild) st.mult = Math.max(st.mult, sym[c].wild_multiplier);
          continue;
        }
        hit = finish(def, st, r);
        run = r;
        break;
      }
      const { symbol, pay } = hit ?? finish(def, st, run);
      if (pay > 0n) {
        const multiplier = sym[symbol].wild ? 1n : BigInt(Math.max(st.mult, 1));
        out.lines.push({ line: li, symbol, count: run, multiplier, pay });
        out.total += pay;
      }
    });
  } else {
    sym.forEach((s, si) => {
      if (s.wild || s.scatter || !s.pays.some((p) => p > 0)) return;
      let ways = 1n;
      let run = 0;
      for (let r = 0; r < def.reels; r++) {
        let k = 0n;
        for (let row = 0; row < rows; row++) {
          const c = window[r * rows + row];
          if (c === si) k += 1n;
          else if (sym[c].wild) k += BigInt(sym[c].wild_multiplier);
        }
        if (k === 0n) break;
        ways *= k;
        run = r + 1;
      }
      if (run > 0) {
        const pay = BigInt(s.pays[run - 1]) * ways;
        if (pay > 0n) {
          out.ways.push({ symbol: si, reels: run, ways, pay });
          out.total += pay;
        }
      }
    });
  }
  const trigger = def.free_spins ? sym.findIndex((s) => s.name === def.free_spins!.trigger) : -1;
  sym.forEach((s, si) => {
    if (s.scatter_pays.length === 0 && si !== trigger) return;
    const count = window.filter((c) => c === si).length;
    const pay = BigInt(tableAt(s.scatter_pays, count)) * BigInt(def.cost);
    const free = si === trigger ? tableAt(def.free_spins!.awards, count) : 0;
    if (pay > 0n || free > 0) {
      out.scatters.push({ symbol: si, count, pay, free_spins: free });
      out.total += pay;
      out.free_spins += free;
    }
  });
  return out;
}

/** The symbol a mystery draw selects: floor(u × weight_total) into the cumulative weights (symbol order). */
export function mysteryPick(def: SlotDefinition, u: number): number {
  const m = def.mystery!;
  const target = Math.min(Math.floor(u * m.weight_total), m.weight_total - 1);
  let acc = 0;
  const index = (name: string) => def.symbols.findIndex((s) => s.name === name);
  const sorted = [...m.becomes].sort((a, b) => index(a.symbol) - index(b.symbol));
  for (const b of sorted) {
    acc += b.weight;
    if (target < acc) return index(b.symbol);
  }
  return index(sorted[sorted.length - 1].symbol);
}

class Floats {
  used = 0;
  constructor(private floats: number[]) {}
  next(): number {
    if (this.used >= this.floats.length) throw new StreamExhausted(this.used);
    const v = this.floats[this.used];
    if (!(v >= 0 && v < 1)) throw new Error(`stream: float ${this.used} is ${v}, expected a value in [0, 1)`);
    this.used += 1;
    return v;
  }
}

function spinOne(def: SlotDefinition, stream: Floats, set: number, multiplier: bigint, lineBet: bigint): SpinRecord {
  const strips = def.reel_sets[set].strips;
  const index = new Map(def.symbols.map((s, i) => [s.name, i]));
  const stops = strips.map((strip) => Math.min(Math.floor(stream.next() * strip.length), strip.length - 1));
  const window: Window = [];
  strips.forEach((strip, r) => {
    for (let row = 0; row < def.rows; row++) window.push(index.get(strip[(stops[r] + row) % strip.length])!);
  });
  let mystery: string | null = null;
  if (def.mystery) {
    const ms = index.get(def.mystery.symbol)!;
    if (window.filter((c) => c === ms).length >= def.mystery.min_count) {
      const to = mysteryPick(def, stream.next());
      for (let i = 0; i < window.length; i++) if (window[i] === ms) window[i] = to;
      mystery = def.symbols[to].name;
    }
  }
  const wins = evaluateWindow(def, window);
  const name = (s: number) => def.symbols[s].name;
  const m = multiplier * lineBet;
  return {
    reel_set: def.reel_sets[set].name,
    stops,
    grid: strips.map((_, r) => Array.from({ length: def.rows }, (_, row) => name(window[r * def.rows + row]))),
    mystery,
    line_wins: wins.lines.map((h) => ({ line: h.line, symbol: name(h.symbol), count: h.count, multiplier: h.multiplier * multiplier, win: h.pay * m })),
    ways_wins: wins.ways.map((h) => ({ symbol: name(h.symbol), reels: h.reels, ways: h.ways, multiplier, win: h.pay * m })),
    scatter_wins: wins.scatters.map((h) => ({ symbol: name(h.symbol), count: h.count, multiplier, win: h.pay * m, free_spins: h.free_spins })),
    multiplier,
    free_spins_awarded: wins.free_spins,
    win: wins.total * m,
  };
}

/** One round at `lineBet` minor units per line from `floats` (slots::spin::spin). Throws
 *  [`StreamExhausted`] when the floats run out. */
export function spinSlot(def: SlotDefinition, lineBet: bigint, floats: number[]): RoundResult {
  if (lineBet <= 0n) throw new Error("line_bet: must be positive");
  if (lineBet >= BigInt(def.line_bet_limit)) throw new Error(`line_bet: ${lineBet} minor units per line overflows the win arithmetic`);
  const totalBet = lineBet * BigInt(def.cost);
  const cap = def.max_win === null ? null : BigInt(def.max_win) * totalBet;
  const stream = new Floats(floats);
  const base = spinOne(def, stream, 0, 1n, lineBet);
  let uncapped = base.win;
  let remaining = base.free_spins_awarded;
  const free: SpinRecord[] = [];
  let forfeited = 0;
  const fs = def.free_spins;
  if (fs) {
    const set = def.reel_sets.findIndex((s) => s.name === fs.reel_set);
    while (remaining > 0) {
      if ((cap !== null && uncapped >= cap) || free.length >= fs.round_max) {
        forfeited = remaining;
        break;
      }
      remaining -= 1;
      const rec = spinOne(def, stream, set, BigInt(fs.multiplier), lineBet);
      uncapped += rec.win;
      if (fs.retrigger) remaining += rec.free_spins_awarded;
      free.push(rec);
    }
  }
  const totalWin = cap === null || uncapped < cap ? uncapped : cap;
  return {
    line_bet: lineBet,
    total_bet: totalBet,
    base,
    free_spins: free,
    total_win: totalWin,
    uncapped_win: uncapped,
    capped: totalWin < uncapped || (cap !== null && forfeited > 0),
    free_spins_forfeited: forfeited,
    floats_used: stream.used,
  };
}

/** The round as the server's JSON outcome (BigInt → number, key order kept). */
export function roundJson(r: RoundResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<string, unknown>;
}

/** Multiplier of a round in 1e-8 units, rounded down: floor(total_win × 10^8 / total_bet). */
export function roundMultiplierUnits(r: RoundResult): bigint {
  return r.total_bet === 0n ? 0n : (r.total_win * 100_000_000n) / r.total_bet;
}

const fmtWins = (s: SpinRecord, def: SlotDefinition): string[] => {
  const out: string[] = [];
  for (const w of s.line_wins) {
    const rows = def.paylines[w.line];
    out.push(`line ${w.line + 1} [${rows.join(",")}]: ${w.count} × ${w.symbol}${w.multiplier > 1n ? ` × ${w.multiplier}` : ""} → ${w.win}`);
  }
  for (const w of s.ways_wins) out.push(`${w.symbol} on ${w.reels} reels, ${w.ways} ways${w.multiplier > 1n ? ` × ${w.multiplier}` : ""} → ${w.win}`);
  for (const w of s.scatter_wins) out.push(`scatter ${w.count} × ${w.symbol} → ${w.win}${w.free_spins ? `, ${w.free_spins} free spins` : ""}`);
  return out;
};

/** One verification step per spin: stops from the floats, the window, every win. */
export function spinSteps(def: SlotDefinition, r: RoundResult, floats: number[]): { label: string; detail: string }[] {
  const steps: { label: string; detail: string }[] = [];
  let cursor = 0;
  const spins = [r.base, ...r.free_spins];
  spins.forEach((s, k) => {
    const set = def.reel_sets.find((x) => x.name === s.reel_set)!;
    const lines = s.stops.map((stop, reel) => `reel ${reel + 1}: floor(${floats[cursor + reel]} × ${set.strips[reel].length}) = ${stop}`);
    cursor += s.stops.length;
    if (s.mystery !== null) {
      lines.push(`mystery: floor(${floats[cursor]} × ${def.mystery!.weight_total}) → ${s.mystery}`);
      cursor += 1;
    }
    const rows = Array.from({ length: def.rows }, (_, row) => s.grid.map((col) => col[row].padEnd(8)).join(" "));
    lines.push("window:", ...rows);
    const wins = fmtWins(s, def);
    lines.push(...(wins.length ? wins : ["no win"]));
    if (s.free_spins_awarded) lines.push(`free spins awarded: ${s.free_spins_awarded}`);
    lines.push(`spin win = ${s.win}${s.multiplier > 1n ? ` (free-spin multiplier × ${s.multiplier} included)` : ""}`);
    steps.push({ label: k === 0 ? "verify.map.slotBase" : "verify.map.slotFree", detail: (k === 0 ? "" : `#${k} (${s.reel_set})\n`) + lines.join("\n") });
  });
  const cap = def.max_win === null ? "" : ` · cap ${def.max_win} × ${r.total_bet} = ${BigInt(def.max_win) * r.total_bet}`;
  steps.push({
    label: "verify.map.slotTotal",
    detail:
      `line bet ${r.line_bet} × cost ${def.cost} = total bet ${r.total_bet}\n` +
      `wins ${spins.map((s) => s.win).join(" + ")} = ${r.uncapped_win}${cap}\n` +
      `total win ${r.total_win}${r.capped ? " (capped)" : ""}${r.free_spins_forfeited ? `, ${r.free_spins_forfeited} free spins forfeited` : ""} · ${r.floats_used} floats used`,
  });
  return steps;
}
