// Responsible-gaming limits as the server speaks them (docs/games-api.md): money limits are maps
// currency → minor units, `session_minutes`, `self_excluded_until` as a UTC date. The profile form
// edits amounts in major units; these helpers convert exactly (no float money) and build a PUT body
// holding only what changed (absent fields stay unchanged, `null` removes a limit).

export interface PendingChange {
  kind: "max_bet" | "daily_loss_limit" | "session_minutes";
  currency?: string;
  value: number | null;
  effective_at_ms: number;
}

/** `GET /v1/me/limits`. */
export interface LimitsView {
  max_bet: Record<string, number>;
  daily_loss_limit: Record<string, number>;
  session_minutes: number | null;
  /** `YYYY-MM-DD` (UTC) or null. */
  self_excluded_until: string | null;
  pending: PendingChange[];
  cooling_off_secs: number;
}

/** `PUT /v1/me/limits`. */
export interface LimitsUpdate {
  max_bet?: Record<string, number | null>;
  daily_loss_limit?: Record<string, number | null>;
  session_minutes?: number | null;
  self_excluded_until?: string;
}

/** The form: text fields as typed (major units for money). */
export interface LimitsForm {
  maxBet: string;
  dailyLoss: string;
  sessionMinutes: string;
  excludedUntil: string;
}

/** Minor units as a decimal text with `decimals` places ("" when absent). */
export function minorToText(minor: number | null | undefined, decimals: number): string {
  if (minor === null || minor === undefined) return "";
  const s = BigInt(minor).toString().padStart(decimals + 1, "0");
  return decimals === 0 ? s : `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}

/** A typed amount in major units to minor units, exactly; null for "", an Error message otherwise. */
export function textToMinor(text: string, decimals: number): number | null | Error {
  const t = text.trim().replace(/,/g, "");
  if (t === "") return null;
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[2] ?? "").length > decimals) return new Error(`"${text}" is not an amount with at most ${decimals} decimals`);
  const minor = BigInt(m[1] + (m[2] ?? "").padEnd(decimals, "0"));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return new Error(`"${text}" is too large`);
  return Number(minor);
}

export function formOf(view: LimitsView | null | undefined, currency: string, decimals: number): LimitsForm {
  return {
    maxBet: minorToText(view?.max_bet?.[currency], decimals),
    dailyLoss: minorToText(view?.daily_loss_limit?.[currency], decimals),
    sessionMinutes: view?.session_minutes == null ? "" : String(view.session_minutes),
    excludedUntil: view?.self_excluded_until ?? "",
  };
}

/** The PUT body for the fields the form changed, or an Error naming the bad field. */
export function updateOf(view: LimitsView | null | undefined, form: LimitsForm, currency: string, decimals: number): LimitsUpdate | Error {
  const body: LimitsUpdate = {};
  const before = formOf(view, currency, decimals);
  for (const [key, field] of [
    ["max_bet", "maxBet"],
    ["daily_loss_limit", "dailyLoss"],
  ] as const) {
    if (form[field].trim() === before[field]) continue;
    const v = textToMinor(form[field], decimals);
    if (v instanceof Error) return new Error(`${key}: ${v.message}`);
    if (v === (view?.[key]?.[currency] ?? null)) continue;
    body[key] = { [currency]: v };
  }
  if (form.sessionMinutes.trim() !== before.sessionMinutes) {
    const t = form.sessionMinutes.trim();
    if (t === "") body.session_minutes = null;
    else if (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 1440) body.session_minutes = Number(t);
    else return new Error("session_minutes: a whole number of minutes from 1 to 1440");
  }
  if (form.excludedUntil !== before.excludedUntil && form.excludedUntil !== "") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.excludedUntil)) return new Error("self_excluded_until: a date YYYY-MM-DD");
    body.self_excluded_until = form.excludedUntil;
  }
  return body;
}
