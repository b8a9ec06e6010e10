// Profile: display name and responsible-gaming limits (per-bet maximum and daily loss limit in the
// play currency, session time, self-exclusion), with the loosenings waiting for their cooling-off.
import { useEffect, useState } from "react";
import * as api from "../api/endpoints";
import { session } from "../api/session";
import { formOf, updateOf, type LimitsForm } from "../api/limits";
import { useI18n } from "../i18n";
import { Loading, useAsync, useBalance } from "./common";

export function ProfilePage() {
  const { t, money, locale } = useI18n();
  const [name, setName] = useState(session.user?.display_name ?? "");
  const limits = useAsync(api.limits, []);
  const { decimals } = useBalance();
  const currency = api.PLAY;
  const [form, setForm] = useState<LimitsForm>(formOf(null, currency, decimals));
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    setForm(formOf(limits.data, currency, decimals));
  }, [limits.data, currency, decimals]);
  const wrap = async (f: () => Promise<unknown>) => {
    setMsg(null);
    try {
      await f();
      setMsg(t("profile.saved"));
    } catch (e) {
      setMsg(String(e instanceof Error ? e.message : e));
    }
  };
  const saveLimits = () =>
    wrap(async () => {
      const body = updateOf(limits.data, form, currency, decimals);
      if (body instanceof Error) throw body;
      const next = await api.setLimits(body);
      if (next) limits.setData(next);
    });
  const pending = limits.data?.pending ?? [];
  const when = (ms: number) => new Date(ms).toLocaleString(locale);
  const valueOf = (p: (typeof pending)[number]) =>
    p.value === null ? t("profile.removed") : p.kind === "session_minutes" ? `${p.value} min` : money(p.value, p.currency ?? currency, decimals);
  return (
    <div>
      <section className="card">
        <h2>{t("profile.title")}</h2>
        {session.user?.is_guest && <span className="badge">{t("profile.guest")}</span>}
        <div className="row">
          <label>
            {t("profile.name")} <input value={name} onChange={(e) => setName(e.target.value)} minLength={2} maxLength={32} />
          </label>
          <button onClick={() => void wrap(() => api.updateMe(name))}>{t("common.save")}</button>
        </div>
      </section>
      <section className="card">
        <h3>{t("profile.limits")}</h3>
        <p className="muted small">{t("profile.limitsHow", { hours: Math.round((limits.data?.cooling_off_secs ?? 86400) / 3600) })}</p>
        <Loading error={limits.error} loading={limits.loading && !limits.data}>
          <div className="grid-form">
            <label>
              {t("profile.maxBet", { currency })}
              <input inputMode="decimal" value={form.maxBet} onChange={(e) => setForm({ ...form, maxBet: e.target.value })} data-testid="limit-max-bet" />
            </label>
            <label>
              {t("profile.dailyLoss", { currency })}
              <input inputMode="decimal" value={form.dailyLoss} onChange={(e) => setForm({ ...form, dailyLoss: e.target.value })} data-testid="limit-daily-loss" />
            </label>
            <label>
              {t("profile.session")}
              <input type="number" min={1} max={1440} value={form.sessionMinutes} onChange={(e) => setForm({ ...form, sessionMinutes: e.target.value })} data-testid="limit-session" />
            </label>
            <label>
              {t("profile.exclude")}
              <input type="date" value={form.excludedUntil} onChange={(e) => setForm({ ...form, excludedUntil: e.target.value })} data-testid="limit-exclude" />
            </label>
            <button className="primary" onClick={() => void saveLimits()} data-testid="limits-save">
              {t("common.save")}
            </button>
          </div>
          {pending.length > 0 && (
            <>
              <h4>{t("profile.pending")}</h4>
              <ul data-testid="limits-pending">
                {pending.map((p, i) => (
                  <li key={i}>
                    {t(`profile.kind.${p.kind}`)}: {valueOf(p)} · {t("profile.effective", { when: when(p.effective_at_ms) })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Loading>
        {msg && (
          <p className="muted" data-testid="profile-msg">
            {msg}
          </p>
        )}
      </section>
    </div>
  );
}
