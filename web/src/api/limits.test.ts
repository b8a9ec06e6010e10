// Limits form ↔ the server's limits shape: exact minor units, only changed fields sent.
import { describe, expect, it } from "vitest";
import { formOf, minorToText, textToMinor, updateOf, type LimitsView } from "./limits";

const view: LimitsView = {
  max_bet: { PLAY: 500, USD: 9 },
  daily_loss_limit: {},
  session_minutes: 60,
  self_excluded_until: null,
  pending: [],
  cooling_off_secs: 86400,
};

describe("limits", () => {
  it("converts amounts exactly", () => {
    expect(minorToText(500, 2)).toBe("5.00");
    expect(minorToText(7, 2)).toBe("0.07");
    expect(minorToText(7, 0)).toBe("7");
    expect(minorToText(null, 2)).toBe("");
    expect(textToMinor("5", 2)).toBe(500);
    expect(textToMinor("1,234.5", 2)).toBe(123450);
    expect(textToMinor("0.07", 2)).toBe(7);
    expect(textToMinor("", 2)).toBeNull();
    expect(textToMinor("0.001", 2)).toBeInstanceOf(Error);
    expect(textToMinor("-1", 2)).toBeInstanceOf(Error);
    expect(textToMinor("1e3", 2)).toBeInstanceOf(Error);
    expect(textToMinor("99999999999999999", 2)).toBeInstanceOf(Error);
  });
  it("reads the server's view for one currency", () => {
    expect(formOf(view, "PLAY", 2)).toEqual({ maxBet: "5.00", dailyLoss: "", sessionMinutes: "60", excludedUntil: "" });
  });
  it("sends only what changed, null to remove", () => {
    const f = formOf(view, "PLAY", 2);
    expect(updateOf(view, f, "PLAY", 2)).toEqual({});
    expect(updateOf(view, { ...f, maxBet: "2.5" }, "PLAY", 2)).toEqual({ max_bet: { PLAY: 250 } });
    expect(updateOf(view, { ...f, maxBet: "5" }, "PLAY", 2)).toEqual({});
    expect(updateOf(view, { ...f, maxBet: "" }, "PLAY", 2)).toEqual({ max_bet: { PLAY: null } });
    expect(updateOf(view, { ...f, dailyLoss: "100" }, "PLAY", 2)).toEqual({ daily_loss_limit: { PLAY: 10000 } });
    expect(updateOf(view, { ...f, sessionMinutes: "" }, "PLAY", 2)).toEqual({ session_minutes: null });
    expect(updateOf(view, { ...f, sessionMinutes: "30" }, "PLAY", 2)).toEqual({ session_minutes: 30 });
    expect(updateOf(view, { ...f, excludedUntil: "2030-01-02" }, "PLAY", 2)).toEqual({ self_excluded_until: "2030-01-02" });
  });
  it("names the bad field", () => {
    const f = formOf(view, "PLAY", 2);
    expect(String(updateOf(view, { ...f, maxBet: "abc" }, "PLAY", 2))).toMatch(/max_bet/);
    expect(String(updateOf(view, { ...f, sessionMinutes: "0" }, "PLAY", 2))).toMatch(/session_minutes/);
    expect(String(updateOf(view, { ...f, sessionMinutes: "2000" }, "PLAY", 2))).toMatch(/session_minutes/);
  });
});
