// Missions (each active mission's stages as progress bars, with their rewards) and the rewards inbox
// (prizes and mission rewards; offered ones are claimed here). Both panels work on their own.
import { useState } from "react";
import * as api from "../api/endpoints";
import { localName, type Mission, type RewardView } from "../api/types";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useNow, usePolling } from "../compete/hooks";
import { currentStage, errorText, formatCountdown, grantText, rewardState, stagePercent } from "../compete/view";

const MISSIONS_POLL_MS = 10_000;
const REWARDS_POLL_MS = 30_000;

function MissionCard({ m, now }: { m: Mission; now: number }) {
  const i18n = useI18n();
  const { t, num, locale } = i18n;
  const current = currentStage(m.stages);
  return (
    <article className="card mission" data-testid={`mission-${m.id}`}>
      <div className="contest-head">
        <strong className="contest-name">{localName(m.name, locale)}</strong>
        <span className="badge">{t(`missions.repeat.${m.repeat}`)}</span>
        {m.ends_at_ms !== null && (
          <span className="muted small countdown">
            {t("missions.timeLeft", { time: formatCountdown(m.ends_at_ms - now, (n) => t("compete.days", { n })) })}
          </span>
        )}
      </div>
      <ol className="stages">
        {m.stages.map((s, i) => {
          const pct = stagePercent(s);
          return (
            <li key={s.id} className={s.done ? "stage done" : i === current ? "stage current" : "stage"} data-testid={`stage-${m.id}-${s.id}`} data-done={s.done ? "1" : "0"}>
              <div className="stage-head">
                <span>
                  {t("missions.stage", { n: i + 1 })} <span className="muted small">{s.id}</span>
                </span>
                {s.done ? <span className="badge ok">✔ {t("missions.done")}</span> : i === current && <span className="badge">{t("missions.current")}</span>}
              </div>
              <div className={s.done ? "progress done" : "progress"} role="progressbar" aria-valuemin={0} aria-valuemax={s.target} aria-valuenow={Math.min(s.progress, s.target)}>
                <span style={{ width: `${pct}%` }} />
              </div>
              <div className="stage-foot small">
                <span data-testid="stage-progress">{t("missions.progress", { progress: num(Math.min(s.progress, s.target)), target: num(s.target) })}</span>
                {s.reward.length > 0 && <span className="muted">{t("missions.reward", { reward: s.reward.map((g) => grantText(g, i18n)).join(" + ") })}</span>}
              </div>
            </li>
          );
        })}
      </ol>
    </article>
  );
}

/** The active missions with the player's progress (refreshed every few seconds). */
export function MissionsPanel() {
  const { t } = useI18n();
  const list = usePolling(api.missions, MISSIONS_POLL_MS, []);
  const now = useNow();
  return (
    <section className="card missions" data-testid="missions">
      <h2>{t("missions.title")}</h2>
      {list.error && !list.data && (
        <p className="muted" role="status">
          {errorText(list.error, { t })}{" "}
          <button className="link" onClick={list.reload}>
            {t("common.retry")}
          </button>
        </p>
      )}
      {list.loading && !list.data && !list.error && <div className="muted">{t("common.loading")}</div>}
      <div className="mission-list">
        {list.data?.map((m) => (
          <MissionCard key={m.id} m={m} now={now} />
        ))}
      </div>
      {list.data?.length === 0 && <p className="muted">{t("missions.none")}</p>}
    </section>
  );
}

function RewardRow({ r, now, onChange }: { r: RewardView; now: number; onChange: (r: RewardView) => void }) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [claimed, setClaimed] = useState(false);
  const state = rewardState(r, now);
  const claim = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api.claimReward(r.id));
      setClaimed(true);
    } catch (e) {
      if ((e as { code?: string }).code === "reward_expired") onChange({ ...r, status: "expired" });
      setError(errorText(e, i18n));
    } finally {
      setBusy(false);
    }
  };
  const source = r.kind === "prize" ? <Link to={`/tournaments/${encodeURIComponent(r.source)}`}>{r.source}</Link> : r.source;
  return (
    <li className={`reward reward-${state}`} data-testid={`reward-${r.id}`} data-state={state}>
      <div className="reward-main">
        <span className="small muted">
          {t(r.kind === "prize" ? "rewards.kind.prize" : "rewards.kind.reward")} · {source}
        </span>
        <strong>{grantText(r.grant, i18n)}</strong>
        <span className="small muted">{new Date(r.created_at_ms).toLocaleString(locale)}</span>
      </div>
      <div className="reward-side">
        <span className={state === "paid" ? "badge ok" : state === "expired" ? "badge warn" : "badge"}>{t(`rewards.status.${state}`)}</span>
        {state === "claimable" && r.expires_at_ms !== null && (
          <span className="small muted">{t("rewards.expiresIn", { time: formatCountdown(r.expires_at_ms - now, (n) => t("compete.days", { n })) })}</span>
        )}
        {state === "claimable" && r.amount > 0 && (
          <button className="primary" disabled={busy} onClick={() => void claim()} data-testid={`claim-${r.id}`}>
            {t("rewards.claim")}
          </button>
        )}
        {claimed && state === "paid" && <span className="ok small">{t("rewards.claimed")}</span>}
        {error && (
          <span className="error small" role="alert">
            {error}
          </span>
        )}
      </div>
    </li>
  );
}

/** The rewards inbox: prizes and mission rewards, with Claim for offered ones. */
export function RewardsInbox() {
  const { t } = useI18n();
  const list = usePolling(api.rewards, REWARDS_POLL_MS, []);
  const now = useNow();
  const replace = (r: RewardView) => list.setData((rows) => (rows ? rows.map((x) => (x.id === r.id ? r : x)) : rows));
  return (
    <section className="card rewards" data-testid="rewards">
      <h2>{t("rewards.title")}</h2>
      {list.error && !list.data && (
        <p className="muted" role="status">
          {errorText(list.error, { t })}{" "}
          <button className="link" onClick={list.reload}>
            {t("common.retry")}
          </button>
        </p>
      )}
      {list.loading && !list.data && !list.error && <div className="muted">{t("common.loading")}</div>}
      <ul className="reward-list">
        {list.data?.map((r) => (
          <RewardRow key={r.id} r={r} now={now} onChange={replace} />
        ))}
      </ul>
      {list.data?.length === 0 && <p className="muted">{t("rewards.none")}</p>}
    </section>
  );
}

export function MissionsPage() {
  return (
    <div className="missions-page" data-testid="missions-page">
      <MissionsPanel />
      <RewardsInbox />
    </div>
  );
}
