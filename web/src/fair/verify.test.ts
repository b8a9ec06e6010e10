// The in-browser verifier against the published vectors the Rust crates are tested with (read from
// the crates' own fixture files, so both sides check the same data).
import { describe, expect, it } from "vitest";
import fairVectors from "../../../crates/rules/fair/tests/fixtures/stake_verifier_vectors.json";
import casinoVectors from "../../../crates/rules/casino/tests/fixtures/stake_verifier_vectors.json";
import { drawFloats, hmacSha256, sha256Hex, toHex } from "./stream";
import { outcomeOf, floatsNeeded, verifyBet, outcomeAgrees, crashRaw, crashPoint } from "./games";

type Seed = { server_seed: string; client_seed: string; nonce: number };

describe("byte stream", () => {
  const seeds = fairVectors.seeds as Seed[];
  it("matches every published byte range and round HMAC", async () => {
    for (const v of fairVectors.bytes) {
      const s = seeds[v.seed];
      const end = v.offset + v.bytes.length;
      const d = await drawFloats(s.server_seed, s.client_seed, s.nonce, Math.ceil(end / 4));
      expect(Array.from(d.bytes.slice(v.offset, end))).toEqual(v.bytes);
      const first = Math.floor(v.offset / 32);
      v.hmacs.forEach((h, i) => expect(d.rounds[first + i].hmac).toBe(h));
    }
  });
  it("matches every published float vector to 12 decimals", async () => {
    for (const v of fairVectors.floats) {
      const s = seeds[v.seed];
      const first = v.offset; // in floats
      const d = await drawFloats(s.server_seed, s.client_seed, s.nonce, first + v.floats_12dp.length);
      v.floats_12dp.forEach((f, i) => expect(Math.abs(d.floats[first + i] - f)).toBeLessThanOrEqual(5e-13));
    }
  });
  it("computes the crash vectors' HMAC (key = game hash text) and crash point", async () => {
    for (const v of fairVectors.crash) {
      const h = await hmacSha256(v.game_hash, v.salt);
      expect(toHex(h)).toBe(v.hmac);
      const u = ((h[0] << 24) >>> 0) + (h[1] << 16) + (h[2] << 8) + h[3];
      expect(u).toBe(v.u32);
      expect(crashRaw(u)).toBe(v.raw);
      expect(crashPoint(u)).toBe(Math.floor(v.raw * 100) / 100);
    }
  });
  it("agrees with the second, independent source (commitment, round HMAC, card index)", async () => {
    for (const v of fairVectors.second_source) {
      expect(await sha256Hex(v.server_seed)).toBe(v.server_seed_sha256);
      const h = await hmacSha256(v.server_seed, `${v.client_seed}:${v.nonce}:${v.round}`);
      expect(toHex(h)).toBe(v.round_hmac);
      const u = ((h[0] << 24) >>> 0) + (h[1] << 16) + (h[2] << 8) + h[3];
      expect(Math.floor((u * 52) / 2 ** 32)).toBe(v.first_float_of_round_times_52_floor);
    }
  });
});

describe("game outcomes", () => {
  const seeds = casinoVectors.seeds as Seed[];
  for (const v of casinoVectors.outcomes as Array<Record<string, unknown>>) {
    const game = v.game as string;
    const params = (v.params ?? {}) as Record<string, unknown>;
    it(`${game} seed ${v.seed} ${JSON.stringify(params)}`, async () => {
      const s = seeds[v.seed as number];
      const d = await drawFloats(s.server_seed, s.client_seed, s.nonce, floatsNeeded(game, params));
      const { outcome } = outcomeOf(game, params, d);
      if (v.expected_sorted) {
        const exp = v.expected_sorted as Record<string, number[]>;
        for (const [k, want] of Object.entries(exp)) {
          expect([...(outcome[k] as number[])].sort((a, b) => a - b)).toEqual(want);
        }
      } else {
        const exp = v.expected as Record<string, unknown>;
        for (const [k, want] of Object.entries(exp)) {
          if (k === "multiplier" && game !== "limbo") continue; // wheel/plinko: priced from the paytable, see paytable.test.ts
          expect(outcome[k]).toEqual(want);
        }
      }
    });
  }
});

describe("verifyBet", () => {
  it("checks the commitment and reproduces the dice roll of the documented example", async () => {
    const server = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159";
    const hash = await sha256Hex(server);
    const v = await verifyBet({ game: "dice", serverSeed: server, serverSeedHash: hash, clientSeed: "bb62964774", nonce: 1 });
    expect(v.hashMatches).toBe(true);
    expect(v.outcome).toEqual({ roll: 77.18 });
    expect(outcomeAgrees(v.outcome, { roll: 77.18 })).toBe(true);
    expect(outcomeAgrees(v.outcome, { roll: 77.19 })).toBe(false);
    const bad = await verifyBet({ game: "dice", serverSeed: server, serverSeedHash: "00", clientSeed: "bb62964774", nonce: 1 });
    expect(bad.hashMatches).toBe(false);
    expect(v.steps.length).toBeGreaterThanOrEqual(4);
  });
});
