// Match history and the replay viewer (step through a finished match, all hands visible).
import { useMemo, useState } from "react";
import * as api from "../api/endpoints";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { replayEvents, replayFrames } from "../game/replay";
import { sortByRank } from "../game/cards";
import { Card } from "./Table";
import { Loading, useAsync } from "./common";

export function ReplaysPage() {
  const { t, locale } = useI18n();
  const list = useAsync(api.matches, []);
  return (
    <div className="card">
      <h2>{t("replays.title")}</h2>
      <Loading error={list.error} loading={list.loading && !list.data} onRetry={list.reload}>
        <table className="list">
          <tbody>
            {list.data?.map((m) => {
              const id = String(m.id ?? m.match_id);
              return (
                <tr key={id}>
                  <td className="mono">{id}</td>
                  <td>{m.finished_at ? new Date(m.finished_at).toLocaleString(locale) : ""}</td>
                  <td>{m.winner !== undefined && m.winner !== null ? t("table.teamWon", { team: m.winner }) : ""}</td>
                  <td>
                    <Link to={`/replays/${encodeURIComponent(id)}`}>{t("replays.open")}</Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {list.data?.length === 0 && <p className="muted">{t("common.none")}</p>}
      </Loading>
    </div>
  );
}

export function ReplayPage({ matchId }: { matchId: string }) {
  const { t } = useI18n();
  const data = useAsync(() => api.matchReplay(matchId), [matchId]);
  const frames = useMemo(() => (data.data ? replayFrames(replayEvents(data.data)) : []), [data.data]);
  const [i, setI] = useState(0);
  const f = frames[Math.min(i, frames.length - 1)];
  return (
    <div className="card replay">
      <h2>
        {t("replays.title")} · <span className="mono">{matchId}</span>
      </h2>
      <Loading error={data.error} loading={data.loading && !data.data} onRetry={data.reload}>
        {frames.length <= 1 && data.data && <pre className="json">{JSON.stringify(data.data, null, 1).slice(0, 4000)}</pre>}
        {f && frames.length > 1 && (
          <>
            <div className="row">
              <button onClick={() => setI(0)}>⏮</button>
              <button onClick={() => setI(Math.max(0, i - 1))}>{t("replays.prev")}</button>
              <span>{t("replays.step", { n: i, total: frames.length - 1 })}</span>
              <button onClick={() => setI(Math.min(frames.length - 1, i + 1))} data-testid="replay-next">
                {t("replays.next")}
              </button>
              <button onClick={() => setI(frames.length - 1)}>⏭</button>
              <input type="range" min={0} max={frames.length - 1} value={i} onChange={(e) => setI(Number(e.target.value))} className="wide" />
            </div>
            <p>
              {t("table.level")} {f.level} · {t("table.levels", { us: f.levels[0], them: f.levels[1] })} · <code>{f.note}</code>
            </p>
            {f.hands.map((h, seat) => (
              <div key={seat} className="replay-seat">
                <strong>
                  {t("table.seat", { n: seat })} ({h.length}) {f.finish.includes(seat) ? t(`place.${f.finish.indexOf(seat) + 1}`) : ""}
                </strong>
                <div className="replay-hand">
                  {sortByRank(h, f.level).map((c, j) => (
                    <Card key={j} code={c} level={f.level} small />
                  ))}
                </div>
                <div className="replay-move">
                  {f.lastMoves[seat] && (f.lastMoves[seat]![0] === "PASS" ? t("table.pass") : (f.lastMoves[seat]![2] as string[]).map((c, j) => <Card key={j} code={c} level={f.level} small />))}
                </div>
              </div>
            ))}
          </>
        )}
        <img className="result-image" src={api.matchCardUrl(matchId)} alt={t("table.resultImage")} onError={(e) => ((e.target as HTMLImageElement).style.display = "none")} />
      </Loading>
    </div>
  );
}
