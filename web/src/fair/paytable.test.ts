// Wheel and plinko multipliers recomputed from the published paytable, checked against the Rust
// fixture vectors (crates/rules/casino/tests/fixtures). The catalogue entries are rebuilt here from the
// tables in crates/rules/casino/src exactly as crates/services/games/src/catalogue.rs publishes them
// (`paytables[risk][size]` = hundredths / 100), so no multiplier is typed in twice.
import { describe, expect, it } from "vitest";
import casinoVectors from "../../../crates/rules/casino/tests/fixtures/stake_verifier_vectors.json";
import wheelRs from "../../../crates/rules/casino/src/wheel.rs?raw";
import plinkoRs from "../../../crates/rules/casino/src/plinko.rs?raw";
import { outcomeAgrees, verifyBet } from "./games";
import { checkSettlement, maxPayout, tableMultiplier, tablePayout, type CatalogueEntry } from "./paytable";

type Seed = { server_seed: string; client_seed: string; nonce: number };

/** `const WHEEL_10_LOW: [u16; 10] = [150, ...];` → paytables.low["10"] = [1.5, ...]. */
function catalogueFrom(rust: string, prefix: string): CatalogueEntry {
  const paytables: Record<string, Record<string, number[]>> = {};
  const re = new RegExp(`const ${prefix}_(\\d+)_(LOW|MEDIUM|HIGH): \\[u\\d+; (\\d+)\\] = \\[([^\\]]*)\\]`, "g");
  for (const m of rust.matchAll(re)) {
    const values = m[4].split(",").map((x) => x.trim()).filter((x) => x !== "").map((x) => Number(x) / 100);
    expect(values.length).toBe(Number(m[3]));
    (paytables[m[2].toLowerCase()] ??= {})[m[1]] = values;
  }
  return { paytables, limits: { PLAY: { min_bet: 1, max_bet: 100000000, max_payout: 1000000000 } } };
}

const wheel = catalogueFrom(wheelRs, "WHEEL");
const plinko = catalogueFrom(plinkoRs, "PLINKO");
const catalogues: Record<string, CatalogueEntry> = { wheel, plinko };
const seeds = casinoVectors.seeds as Seed[];
const vectors = (casinoVectors.outcomes as Array<Record<string, unknown>>).filter((v) => v.game === "wheel" || v.game === "plinko");

describe("published paytables (rebuilt from crates/rules/casino)", () => {
  it("cover every size and risk the catalogue publishes", () => {
    for (const risk of ["low", "medium", "high"]) {
      expect(Object.keys(wheel.paytables as object)).toContain(risk);
      expect(Object.keys((wheel.paytables as Record<string, object>)[risk]).sort()).toEqual(["10", "20", "30", "40", "50"]);
      const rows = Object.keys((plinko.paytables as Record<string, object>)[risk]).map(Number).sort((a, b) => a - b);
      expect(rows).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16]);
      for (const r of rows) expect((plinko.paytables as Record<string, Record<string, number[]>>)[risk][String(r)].length).toBe(r + 1);
    }
    expect(vectors.length).toBeGreaterThanOrEqual(40);
  });
});

describe("multiplier and payout from the paytable", () => {
  for (const v of vectors) {
    const game = v.game as string;
    const params = v.params as Record<string, unknown>;
    const expected = v.expected as Record<string, unknown>;
    it(`${game} seed ${v.seed} ${JSON.stringify(params)} → × ${expected.multiplier}`, async () => {
      const s = seeds[v.seed as number];
      const want = expected.multiplier as number;
      const stake = 1234567;
      const payout = Number((BigInt(stake) * BigInt(Math.round(want * 100))) / 100n);
      const r = await verifyBet({
        game,
        serverSeed: s.server_seed,
        clientSeed: s.client_seed,
        nonce: s.nonce,
        params,
        catalogue: catalogues[game],
        bet: { amount: stake, currency: "PLAY", multiplier: String(want), payout },
      });
      expect(r.paytableError).toBeNull();
      expect(r.outcome.multiplier).toBe(want);
      expect(outcomeAgrees(r.outcome, expected)).toBe(true);
      expect(r.settlement?.multiplierAgrees).toBe(true);
      expect(r.settlement?.payoutAgrees).toBe(true);
      expect(r.settlement?.payout).toBe(BigInt(payout));
      expect(r.steps.map((st) => st.label)).toEqual(expect.arrayContaining(["verify.step.paytable", "verify.step.multiplier", "verify.step.payout"]));
    });
  }
});

describe("mismatches are flagged", () => {
  const v = vectors.find((x) => x.game === "wheel" && (x.expected as { multiplier: number }).multiplier === 1.2)!;
  const s = seeds[v.seed as number];
  const base = { game: "wheel", serverSeed: s.server_seed, clientSeed: s.client_seed, nonce: s.nonce, params: v.params as Record<string, unknown>, catalogue: wheel };

  it("a bet record claiming another multiplier", async () => {
    const r = await verifyBet({ ...base, bet: { amount: 1000, currency: "PLAY", multiplier: "1.5", payout: 1500 } });
    expect(r.settlement?.multiplierAgrees).toBe(false);
    expect(r.settlement?.payoutAgrees).toBe(false);
    expect(r.settlement?.payout).toBe(1200n);
    expect(outcomeAgrees(r.outcome, { segment: (v.expected as { segment: number }).segment, multiplier: 1.5 })).toBe(false);
  });
  it("a right multiplier with a wrong payout", async () => {
    const r = await verifyBet({ ...base, bet: { amount: 1000, currency: "PLAY", multiplier: "1.20000000", payout: 1199 } });
    expect(r.settlement?.multiplierAgrees).toBe(true);
    expect(r.settlement?.payoutAgrees).toBe(false);
  });
  it("no published paytable: the multiplier is reported unverified, never taken from the bet", async () => {
    const r = await verifyBet({ ...base, catalogue: null, bet: { amount: 1000, multiplier: "1.2", payout: 1200 } });
    expect(r.settlement).toBeNull();
    expect(r.paytableError).toMatch(/paytable/);
    expect(r.outcome.multiplier).toBeUndefined();
    expect(r.steps.at(-1)?.label).toBe("verify.step.paytableMissing");
    await expect(verifyBet({ ...base, catalogue: { paytables: {} } })).resolves.toMatchObject({ settlement: null });
  });
  it("a segment outside the table is an error, not a guess", () => {
    expect(() => tableMultiplier("wheel", { segments: 10, risk: "low" }, { segment: 10 }, wheel)).toThrow(/outside/);
  });
});

describe("payout rounding and cap", () => {
  it("floors stake × hundredths / 100 exactly, beyond 2^53", () => {
    expect(tablePayout(999, 150)).toBe(1498n);
    expect(tablePayout(9007199254740993n, 100)).toBe(9007199254740993n);
    expect(tablePayout(1, 20)).toBe(0n);
  });
  it("applies the published max_payout", () => {
    expect(maxPayout(wheel, "PLAY")).toBe(1000000000n);
    expect(maxPayout(wheel, "XYZ")).toBeNull();
    const t = tableMultiplier("plinko", { rows: 16, risk: "high" }, { bucket: 0 }, plinko);
    const c = checkSettlement(t, { amount: 100000000, currency: "PLAY", multiplier: String(t.multiplier), payout: 1000000000 }, plinko);
    expect(c.capped).toBe(true);
    expect(c.payout).toBe(1000000000n);
    expect(c.payoutAgrees).toBe(true);
  });
});
