// Ranked Guandan leaderboards: all time, this week, this month.
import { useState } from "react";
import * as api from "../api/endpoints";
import { useI18n } from "../i18n";
import { Loading, useAsync } from "./common";
import { tierName } from "../api/types";

export function LeaderboardPage() {
  const { t, num, locale } = useI18n();
  const [period, setPeriod] = useState<"all" | "week" | "month">("all");
  const rows = useAsync(() => api.leaderboard(period), [period]);
  return (
    <div className="card">
      <h2>{t("lb.title")}</h2>
      <div className="row">
        {(["all", "week", "month"] as const).map((p) => (
          <button key={p} className={p === period ? "primary" : ""} onClick={() => setPeriod(p)}>
            {t(`lb.${p}`)}
          </button>
        ))}
      </div>
      <Loading error={rows.error} loading={rows.loading && !rows.data} onRetry={rows.reload}>
        <table className="list">
          <thead>
            <tr>
              <th>{t("lb.rank")}</th>
              <th>{t("lb.player")}</th>
              <th>{t("lb.rating")}</th>
              <th>{t("lobby.tier")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.data?.map((r, i) => (
              <tr key={i}>
                <td>{r.rank ?? i + 1}</td>
                <td>{r.display_name ?? r.name ?? r.user_id}</td>
                <td>{r.rating !== undefined ? num(Number(r.rating)) : "—"}</td>
                <td>{tierName(r.tier, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.data?.length === 0 && <p className="muted">{t("common.none")}</p>}
      </Loading>
    </div>
  );
}
