// Language switching (English / Simplified Chinese) and locale-aware number and money formatting.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { en, zh, type MessageKey } from "./messages";

export type Locale = "en" | "zh-CN";
const LOCALE_KEY = "playhouse.locale";

export function translate(locale: Locale, key: string, vars?: Record<string, string | number>): string {
  const table = locale === "zh-CN" ? zh : en;
  let s: string = (table as Record<string, string | undefined>)[key] ?? (en as Record<string, string>)[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** Formats integer minor units with the currency's decimals, per locale (no float money maths). */
export function formatMoney(locale: Locale, minor: number | bigint, currency = "PLAY", decimals = 2): string {
  const big = BigInt(minor);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const frac = abs % scale;
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const sep = new Intl.NumberFormat(locale, { minimumFractionDigits: 1 }).formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
  const text = nf.format(whole) + (decimals > 0 ? sep + frac.toString().padStart(decimals, "0") : "");
  return `${neg ? "-" : ""}${text} ${currency}`;
}

export function formatNumber(locale: Locale, n: number, digits?: number): string {
  return new Intl.NumberFormat(locale, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

interface I18n {
  locale: Locale;
  setLocale: (l: Locale) => void;
  t: (key: MessageKey | string, vars?: Record<string, string | number>) => string;
  money: (minor: number, currency?: string, decimals?: number) => string;
  num: (n: number, digits?: number) => string;
}

const Ctx = createContext<I18n | null>(null);

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    /* no storage */
  }
  return typeof navigator !== "undefined" && navigator.language?.startsWith("zh") ? "zh-CN" : "en";
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((l: Locale) => {
    setLocaleState(l);
    try {
      localStorage.setItem(LOCALE_KEY, l);
    } catch {
      /* ignore */
    }
    document.documentElement.lang = l;
  }, []);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, vars) => translate(locale, key, vars),
      money: (minor, currency, decimals) => formatMoney(locale, minor, currency, decimals),
      num: (n, digits) => formatNumber(locale, n, digits),
    }),
    [locale, setLocale],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error("useI18n outside I18nProvider");
  return v;
}
