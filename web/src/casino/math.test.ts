// Preview figures follow crate casino's rules (multipliers rounded down to 1e-8, payout floored).
import { describe, expect, it } from "vitest";
import { diceMultiplier, multiplierNumber, payoutPreview, roundStateOf } from "./math";

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
  it("reads multipliers in any of the server's likely shapes", () => {
    expect(multiplierNumber(2)).toBe("2.00");
    expect(multiplierNumber("1.96039603")).toBe("1.96");
    expect(multiplierNumber(200_000_000)).toBe("2.00");
    expect(multiplierNumber(null)).toBe("—");
  });
  it("reads round states as casino serialises them", () => {
    expect(roundStateOf({ state: { state: "open" } })).toBe("open");
    expect(roundStateOf({ state: { state: "busted", tile: 3 } })).toBe("busted");
    expect(roundStateOf({ phase: "player_turn" })).toBe("open");
    expect(roundStateOf({ phase: "finished" })).toBe("finished");
    expect(roundStateOf(null)).toBe(null);
  });
});
