// Profile: display name and responsible-gaming limits.
import { useEffect, useState } from "react";
import * as api from "../api/endpoints";
import { session } from "../api/session";
import type { Limits } from "../api/types";
import { useI18n } from "../i18n";
import { Loading, useAsync } from "./common";

export function ProfilePage() {
  const { t } = useI18n();
  const [name, setName] = useState(session.user?.display_name ?? "");
  const limits = useAsync(api.limits, []);
  const [form, setForm] = useState<Limits>({});
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    if (limits.data) setForm(limits.data);
  }, [limits.data]);
  const numOrNull = (s: string) => (s.trim() === "" ? null : Math.max(0, Math.floor(Number(s))));
  const wrap = async (f: () => Promise<unknown>) => {
    setMsg(null);
    try {
      await f();
      setMsg(t("profile.saved"));
    } catch (e) {
      setMsg(String(e instanceof Error ? e.message : e));
    }
  };
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
        <Loading error={limits.error} loading={limits.loading && !limits.data}>
          <div className="grid-form">
            <label>
              {t("profile.maxBet")}
              <input type="number" min={0} value={form.max_bet ?? ""} onChange={(e) => setForm({ ...form, max_bet: numOrNull(e.target.value) })} />
            </label>
            <label>
              {t("profile.dailyLoss")}
              <input type="number" min={0} value={form.daily_loss_limit ?? ""} onChange={(e) => setForm({ ...form, daily_loss_limit: numOrNull(e.target.value) })} />
            </label>
            <label>
              {t("profile.session")}
              <input
                type="number"
                min={0}
                value={form.session_time_limit_minutes ?? ""}
                onChange={(e) => setForm({ ...form, session_time_limit_minutes: numOrNull(e.target.value) })}
              />
            </label>
            <label>
              {t("profile.exclude")}
              <input
                type="date"
                value={(form.self_excluded_until ?? "").slice(0, 10)}
                onChange={(e) => setForm({ ...form, self_excluded_until: e.target.value ? new Date(e.target.value).toISOString() : null })}
              />
            </label>
            <button className="primary" onClick={() => void wrap(() => api.setLimits(form).then((l) => l && setForm(l)))}>
              {t("common.save")}
            </button>
          </div>
        </Loading>
        {msg && <p className="muted">{msg}</p>}
      </section>
    </div>
  );
}
