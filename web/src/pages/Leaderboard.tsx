// Ranked Guandan leaderboards: all time (by rating), this week and this month (by rating gained in the
// period, with that period's matches and wins).
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
              {period !== "all" && <th>{t("lb.gained")}</th>}
              <th>{t("lb.rating")}</th>
              <th>{t("lobby.tier")}</th>
              <th>{t("lb.record")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.data?.map((r, i) => (
              <tr key={i}>
                <td>{r.rank ?? i + 1}</td>
                <td>{r.display_name ?? r.name ?? r.user_id}</td>
                {period !== "all" && <td data-testid="lb-gained">{typeof r.rating_gained === "number" ? (r.rating_gained > 0 ? "+" : "") + num(r.rating_gained) : "—"}</td>}
                <td>{r.rating !== undefined ? num(Number(r.rating)) : "—"}</td>
                <td>{tierName(r.tier, locale)}</td>
                <td>{t("lb.recordOf", { wins: num(Number(r.wins ?? 0)), matches: num(Number(r.matches ?? 0)) })}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.data?.length === 0 && <p className="muted">{t("common.none")}</p>}
      </Loading>
    </div>
  );
}
