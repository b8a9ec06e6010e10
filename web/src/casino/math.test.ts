// Preview figures follow crate casino's rules (multipliers rounded down to 1e-8, payout floored).
import { describe, expect, it } from "vitest";
import { diceMultiplier, multiplierText, multiplierUnits, payoutAt, payoutPreview, roundStateOf } from "./math";

describe("previews", () => {
  it("dice multiplier is 99 / chance rounded down to 1e-8", () => {
    expect(diceMultiplier(49.5)).toBe(2);
    expect(diceMultiplier(50.5)).toBe(1.96039603);
    expect(diceMultiplier(98)).toBe(1.01020408);
    expect(diceMultiplier(0.01)).toBe(9900);
  });
  it("payout is floor(stake × multiplier)", () => {
    expect(payoutPreview(100, 2)).toBe(200);
    expect(payoutPreview(101, 1.96039603)).toBe(197); // 197.99999903, floored
    expect(payoutPreview(100, 1.96039603)).toBe(196);
    expect(payoutPreview(0, 5)).toBe(0);
  });
  it("reads the one multiplier format exactly, at the extremes too", () => {
    expect(multiplierUnits("0")).toBe(BigInt(0));
    expect(multiplierUnits("0.00000001")).toBe(BigInt(1));
    expect(multiplierUnits("1.96039603")).toBe(BigInt(196039603));
    expect(multiplierUnits("1000000")).toBe(BigInt("100000000000000"));
    expect(multiplierUnits("1000000.00000001")).toBe(BigInt("100000000000001"));
    expect(multiplierUnits("184467440737.09551615")).toBe(BigInt("18446744073709551615"));
    expect(multiplierText("0")).toBe("0.00");
    expect(multiplierText("2")).toBe("2.00");
    expect(multiplierText("1.96039603")).toBe("1.96");
    expect(multiplierText("0.99999999")).toBe("0.99");
    expect(multiplierText("1000000")).toBe("1,000,000.00");
    expect(multiplierText("0.00000001")).toBe("0.00000001");
    expect(payoutAt(101, "1.96039603")).toBe(197);
    expect(payoutAt(1, "1000000")).toBe(1_000_000);
    expect(payoutAt(100_000_000, "0.00000001")).toBe(1);
    expect(payoutAt(99_999_999, "0.00000001")).toBe(0);
    expect(payoutAt(500, "0")).toBe(0);
  });
  it("refuses every other shape instead of guessing", () => {
    for (const bad of [2, 200_000_000, "1e6", "-1", "1.", ".5", "1.000000001", " 1", "1,5", null, undefined, {}]) {
      expect(multiplierUnits(bad)).toBe(null);
      expect(multiplierText(bad)).toBe("—");
    }
  });
  it("reads round states as casino serialises them", () => {
    expect(roundStateOf({ state: { state: "open" } })).toBe("open");
    expect(roundStateOf({ state: { state: "busted", tile: 3 } })).toBe("busted");
    expect(roundStateOf({ phase: "player_turn" })).toBe("open");
    expect(roundStateOf({ phase: "finished" })).toBe("finished");
    expect(roundStateOf(null)).toBe(null);
  });
});
