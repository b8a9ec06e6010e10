// The tournament draw verifier against the vectors the Rust crate is tested with (the same file).
import { describe, expect, it } from "vitest";
import vectors from "../../../crates/rules/compete/tests/fixtures/draw_vectors.json";
import { drawWinners, verifyDraw, type DrawEntry } from "./draw";

type Vector = { seed: string; commitment?: string; contest: string; winners: number; entries: [number, string][]; expected: [number, number, string][] };

const entriesOf = (v: Vector): DrawEntry[] => v.entries.map(([u, t]) => ({ userId: String(u), tickets: BigInt(t) }));

describe("ticket draw", () => {
  it("draws every published vector's winners", async () => {
    for (const v of vectors.vectors as Vector[]) {
      const got = await drawWinners(v.seed, v.contest, entriesOf(v), v.winners);
      expect(got.map((w) => [w.place, Number(w.userId), w.ticket.toString()])).toEqual(v.expected);
    }
  });
  it("verifies a published draw and catches a tampered one", async () => {
    const v = vectors.vectors[0] as Vector;
    const published = v.expected.map(([place, user, ticket]) => ({ place, userId: String(user), ticket: BigInt(ticket) }));
    const ok = await verifyDraw(v.seed, v.commitment!, v.contest, entriesOf(v), v.winners, published);
    expect(ok.commitmentMatches).toBe(true);
    expect(ok.winnersMatch).toBe(true);
    const swapped = [published[1], published[0], published[2]];
    expect((await verifyDraw(v.seed, v.commitment!, v.contest, entriesOf(v), v.winners, swapped)).winnersMatch).toBe(false);
    const wrongSeed = await verifyDraw(v.seed.replace(/^b/, "c"), v.commitment!, v.contest, entriesOf(v), v.winners, published);
    expect(wrongSeed.commitmentMatches).toBe(false);
    expect(wrongSeed.winnersMatch).toBe(false);
  });
});
