// Translations and locale formatting of money (integer minor units, never floats).
import { describe, expect, it } from "vitest";
import { formatMoney, translate } from "./index";
import { en, zh } from "./messages";

describe("i18n", () => {
  it("translates with variables and falls back to English, then the key", () => {
    expect(translate("en", "lobby.welcome", { name: "Ann" })).toBe("Welcome, Ann");
    expect(translate("zh-CN", "lobby.welcome", { name: "安" })).toBe("欢迎，安");
    expect(translate("zh-CN", "emote.clap")).toBe(en["emote.clap"]);
    expect(translate("en", "no.such.key")).toBe("no.such.key");
  });
  it("has a Chinese string for every screen title", () => {
    for (const k of Object.keys(en).filter((k) => k.endsWith(".title"))) expect(zh[k as keyof typeof en], k).toBeTruthy();
  });
  it("formats minor units exactly, per locale", () => {
    expect(formatMoney("en", 123456789, "PLAY")).toBe("1,234,567.89 PLAY");
    expect(formatMoney("en", -5, "PLAY")).toBe("-0.05 PLAY");
    expect(formatMoney("zh-CN", 100000, "PLAY")).toBe("1,000.00 PLAY");
    expect(formatMoney("en", 9007199254740993n, "PLAY")).toBe("90,071,992,547,409.93 PLAY");
    expect(formatMoney("en", 7, "X", 0)).toBe("7 X");
  });
});
