// Tournaments: the list (active / upcoming / ended / mine) with live countdowns and Join, and one
// contest's page: prize table, live standings (the player's own row pinned), result and the
// provably fair draw verifier.
import { useEffect, useRef, useState } from "react";
import * as api from "../api/endpoints";
import { session } from "../api/session";
import { CONTEST_FILTERS, localName, type ContestDetail, type ContestFilter, type ContestSummary, type PrizeTable, type Standings } from "../api/types";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useNow, usePolling } from "../compete/hooks";
import {
  canJoin,
  carryDelta,
  checkContest,
  contestPhase,
  deltaArrow,
  errorText,
  phaseText,
  pinMine,
  poolText,
  prizeLines,
  prizeShareText,
  schemeText,
  scoreText,
  formatCountdown,
  type FairCheck,
} from "../compete/view";

/** How often the live standings are asked for. */
const STANDINGS_POLL_MS = 3000;
/** How often the list is refreshed (statuses change as windows open and close). */
const LIST_POLL_MS = 30_000;

const contestPath = (id: string) => `/tournaments/${encodeURIComponent(id)}`;

function StatusBadges({ c }: { c: ContestSummary & { final?: boolean } }) {
  const { t } = useI18n();
  return (
    <>
      <span className={`badge status-${c.status}`} data-testid={`status-${c.id}`}>
        {t(`compete.status.${c.status}`)}
      </span>
      {c.final && <span className="badge">{t("compete.final")}</span>}
      {c.private && <span className="badge">{t("compete.private")}</span>}
      {c.joined && <span className="badge ok">{t("compete.joined")}</span>}
    </>
  );
}

/** The Join button (with the invite-code field for a private contest, or once the server asks for it). */
function JoinBox({ c, onJoined }: { c: ContestSummary; onJoined: () => void }) {
  const { t, money } = useI18n();
  const [code, setCode] = useState("");
  const [needsCode, setNeedsCode] = useState(!!c.private);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const join = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.joinContest(c.id, code.trim() || undefined);
      onJoined();
    } catch (e) {
      if ((e as { code?: string }).code === "invite_required") setNeedsCode(true);
      setError(errorText(e, { t }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="row join-box"
      onSubmit={(e) => {
        e.preventDefault();
        void join();
      }}
    >
      {needsCode && (
        <input
          className="narrow invite"
          placeholder={t("compete.inviteCode")}
          aria-label={t("compete.inviteCode")}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid={`invite-${c.id}`}
        />
      )}
      <button type="submit" className="primary" disabled={busy || (needsCode && !code.trim())} data-testid={`join-${c.id}`}>
        {c.entry_fee > 0 ? t("compete.joinFee", { amount: money(c.entry_fee, c.currency ?? api.PLAY) }) : t("compete.join")}
      </button>
      {error && (
        <span className="error" role="alert" data-testid={`join-error-${c.id}`}>
          {error}
        </span>
      )}
    </form>
  );
}

function ContestCard({ c, now, onJoined }: { c: ContestSummary; now: number; onJoined: () => void }) {
  const i18n = useI18n();
  const { t, money, locale } = i18n;
  const phase = contestPhase(c, now);
  return (
    <article className="card contest-card" data-testid={`contest-${c.id}`}>
      <div className="contest-head">
        <Link to={contestPath(c.id)} className="contest-name" testId={`contest-link-${c.id}`}>
          {localName(c.name, locale)}
        </Link>
        <StatusBadges c={c} />
      </div>
      <div className="contest-meta">
        <span className="countdown" data-testid={`countdown-${c.id}`}>
          {phaseText(phase, now, i18n)}
        </span>
        <span>{c.entry_fee > 0 ? t("compete.entryFee", { amount: money(c.entry_fee, c.currency ?? api.PLAY) }) : t("compete.freeEntry")}</span>
        <span className="muted">{c.join === "opt_in" ? t("compete.optIn") : t("compete.openJoin")}</span>
      </div>
      <div className="row">
        {canJoin(c, phase) && <JoinBox c={c} onJoined={onJoined} />}
        <span className="spacer" />
        <Link to={contestPath(c.id)} className="button">
          {t("compete.details")} →
        </Link>
      </div>
    </article>
  );
}

export function TournamentsPage() {
  const { t } = useI18n();
  const [filter, setFilter] = useState<ContestFilter>("active");
  const list = usePolling(() => api.contests(filter), LIST_POLL_MS, [filter]);
  const now = useNow();
  return (
    <div className="card tournaments" data-testid="tournaments">
      <h2>{t("compete.title")}</h2>
      <div className="row tabs" role="tablist">
        {CONTEST_FILTERS.map((f) => (
          <button key={f} role="tab" aria-selected={f === filter} className={f === filter ? "primary" : ""} onClick={() => setFilter(f)} data-testid={`contest-filter-${f}`}>
            {t(`compete.filter.${f}`)}
          </button>
        ))}
      </div>
      {list.error && !list.data && (
        <div className="card muted" role="status">
          {errorText(list.error, { t })}{" "}
          <button className="link" onClick={list.reload}>
            {t("common.retry")}
          </button>
        </div>
      )}
      {list.loading && !list.data && !list.error && <div className="muted">{t("common.loading")}</div>}
      {list.data && (
        <div className="contest-list">
          {list.data.map((c) => (
            <ContestCard key={c.id} c={c} now={now} onJoined={list.reload} />
          ))}
        </div>
      )}
      {list.data?.length === 0 && <p className="muted">{t("compete.none")}</p>}
    </div>
  );
}

// ---- one contest ----

function PrizeTableView({ table, hasFee, finalPool }: { table: PrizeTable; hasFee: boolean; finalPool: number | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const lines = prizeLines(table, finalPool);
  const cur = table.currency ?? api.PLAY;
  return (
    <section className="card" data-testid="prize-table">
      <h3>{t("compete.prizes")}</h3>
      <p>{schemeText(table, i18n)}</p>
      <p className="muted" data-testid="prize-pool">
        {poolText(table, hasFee, finalPool, i18n)}
      </p>
      {lines.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>{t(table.scheme === "ticket_draw" ? "compete.placeCol" : "compete.rankCol")}</th>
              <th>{t("compete.prizeCol")}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.ranks} data-testid="prize-row">
                <td>{l.ranks}</td>
                <td>{prizeShareText(l, cur, i18n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {table.claim_within_ms !== null && (
        <p className="muted small">{t("compete.claimWithin", { time: formatCountdown(table.claim_within_ms, (n) => t("compete.days", { n })) })}</p>
      )}
    </section>
  );
}

function Delta({ delta }: { delta: number }) {
  const { t } = useI18n();
  const a = deltaArrow(delta);
  const title = t(`compete.delta.${a.dir}`, { n: Math.abs(delta) });
  return (
    <span className={`delta delta-${a.dir}`} title={title} aria-label={title} data-testid="my-delta">
      {a.text}
    </span>
  );
}

function StandingsView({ c, st, names }: { c: ContestDetail; st: Standings; names: Map<string, string> }) {
  const { t, num } = useI18n();
  const prev = useRef<{ rank: number; delta: number } | null>(null);
  const delta = carryDelta(prev.current, st.me);
  if (st.me) prev.current = { rank: st.me.rank, delta };
  const view = pinMine(st.top, st.me, session.user?.id);
  const mode = c.scoring?.mode;
  for (const r of st.top) if (r.display_name) names.set(r.user_id, r.display_name);
  return (
    <>
      <table className="list standings" data-testid="standings">
        <thead>
          <tr>
            <th>#</th>
            <th>{t("compete.player")}</th>
            <th className="num">{t("compete.score")}</th>
          </tr>
        </thead>
        <tbody>
          {view.rows.map((r) => (
            <tr key={r.user_id} className={r.mine ? "mine" : ""} {...(r.mine ? { "data-testid": "my-row", "data-rank": r.rank, "data-score": r.score } : {})}>
              <td>{r.rank}</td>
              <td>
                {r.display_name || r.user_id}
                {r.mine && (
                  <>
                    {" "}
                    <span className="badge ok">{t("compete.you")}</span> <Delta delta={delta} />
                  </>
                )}
              </td>
              <td className="num">{scoreText(r.score, mode, num)}</td>
            </tr>
          ))}
        </tbody>
        {view.pinned && (
          <tfoot>
            <tr className="mine pinned" data-testid="my-row" data-rank={view.pinned.rank} data-score={view.pinned.score}>
              <td>{view.pinned.rank}</td>
              <td>
                {t("compete.you")} <Delta delta={delta} />
              </td>
              <td className="num">{scoreText(view.pinned.score, mode, num)}</td>
            </tr>
          </tfoot>
        )}
      </table>
      {st.top.length === 0 && <p className="muted">{t("compete.noScores")}</p>}
      {!st.me && st.top.length > 0 && <p className="muted small">{t("compete.notRanked")}</p>}
    </>
  );
}

function ResultView({ c, names }: { c: ContestDetail; names: Map<string, string> }) {
  const { t, money, num } = useI18n();
  const r = c.result;
  if (!r) return null;
  const cur = c.prizes?.currency ?? c.currency ?? api.PLAY;
  const me = session.user?.id;
  return (
    <section className="card" data-testid="contest-result">
      <h3>
        {t("compete.result")} <span className="badge">{t("compete.final")}</span>
      </h3>
      <p>
        {t("compete.resultLine", { pool: money(r.pool, cur), paid: money(r.paid, cur), remainder: money(r.remainder, cur) })} ·{" "}
        {t("compete.participants", { n: num(r.participants) })}
      </p>
      {r.prizes.length === 0 ? (
        <p className="muted">{t("compete.noWinners")}</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>{t(c.prizes?.scheme === "ticket_draw" ? "compete.placeCol" : "compete.rankCol")}</th>
              <th>{t("compete.player")}</th>
              <th className="num">{t("compete.prizeCol")}</th>
            </tr>
          </thead>
          <tbody>
            {r.prizes.map((p) => (
              <tr key={`${p.rank}-${p.user_id}`} className={p.user_id === me ? "mine" : ""} data-testid="result-prize">
                <td>{p.rank}</td>
                <td>{p.user_id === me ? t("compete.you") : (names.get(p.user_id) ?? p.user_id)}</td>
                <td className="num">{money(p.amount, cur)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Verdict({ ok, okKey, badKey, testId }: { ok: boolean; okKey: string; badKey: string; testId: string }) {
  const { t } = useI18n();
  return (
    <p className={ok ? "ok" : "error"} data-testid={testId} data-ok={ok ? "1" : "0"}>
      {t(ok ? okKey : badKey)}
    </p>
  );
}

function DrawVerifier({ c, names }: { c: ContestDetail; names: Map<string, string> }) {
  const { t, num } = useI18n();
  const [check, setCheck] = useState<FairCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seed = c.seed ?? c.result?.draw?.seed ?? null;
  const draw = c.prizes?.scheme === "ticket_draw" ? c.result?.draw : null;
  const nameOf = (u: string) => (u === session.user?.id ? t("compete.you") : (names.get(u) ?? u));
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setCheck(await checkContest(c));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="draw-verifier">
      <h3>{t("compete.fair.title")}</h3>
      <dl className="fair-fields">
        <dt>{t("compete.fair.commitment")}</dt>
        <dd className="mono" data-testid="fair-commitment">
          {c.commitment || "—"}
        </dd>
        {seed && (
          <>
            <dt>{t("compete.fair.seed")}</dt>
            <dd className="mono" data-testid="fair-seed">
              {seed}
            </dd>
          </>
        )}
      </dl>
      {!seed && <p className="muted">{t("compete.fair.notYet")}</p>}
      {seed && draw && (
        <div className="draw-data">
          <details>
            <summary>
              {t("compete.fair.tickets")} ({num(draw.tickets.length)})
            </summary>
            <ul className="mono small">
              {draw.tickets.map(([u, n]) => (
                <li key={u}>
                  {u}: {n}
                </li>
              ))}
            </ul>
          </details>
          <p>{t("compete.fair.published")}</p>
          <ol data-testid="fair-published">
            {draw.winners.map((w) => (
              <li key={w.place}>
                {nameOf(w.user_id)} <span className="muted small">({t("compete.fair.ticket", { n: w.ticket })})</span>
              </li>
            ))}
          </ol>
        </div>
      )}
      {seed && (
        <button className="primary" disabled={busy} onClick={() => void verify()} data-testid="fair-verify">
          {t("compete.fair.verify")}
        </button>
      )}
      {error && <p className="error">{error}</p>}
      {check && (
        <div className="verification" data-testid="fair-verification">
          <Verdict ok={check.commitmentMatches} okKey="compete.fair.commitOk" badKey="compete.fair.commitBad" testId="fair-commit-verdict" />
          {check.kind === "draw" && (
            <>
              <Verdict ok={check.winnersMatch} okKey="compete.fair.winnersOk" badKey="compete.fair.winnersBad" testId="fair-winners-verdict" />
              <p>{t("compete.fair.computed")}</p>
              <ol data-testid="fair-computed">
                {check.computed.map((w) => (
                  <li key={w.place}>
                    {nameOf(w.userId)} <span className="muted small">({t("compete.fair.ticket", { n: w.ticket.toString() })})</span>
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
      <p className="muted small">{t("compete.fair.how")}</p>
    </section>
  );
}

export function ContestPage({ contestId }: { contestId: string }) {
  const i18n = useI18n();
  const { t, money, locale } = i18n;
  const detail = usePolling(() => api.contest(contestId), 10_000, [contestId], (d) => d.final || d.status === "cancelled");
  const standings = usePolling(() => api.standings(contestId, 50, true), STANDINGS_POLL_MS, [contestId], (s) => s.final);
  const names = useRef(new Map<string, string>()).current;
  const now = useNow();
  const c = detail.data;
  // The standings turn final before the detail's next turn: ask for the result at once.
  const standingsFinal = !!standings.data?.final;
  const detailFinal = !!c?.final;
  const reloadDetail = detail.reload;
  useEffect(() => {
    if (standingsFinal && !detailFinal) reloadDetail();
  }, [standingsFinal, detailFinal, reloadDetail]);
  if (!c) {
    return (
      <div className="card" data-testid="contest-page-loading">
        <Link to="/tournaments">{t("compete.back")}</Link>
        {detail.error ? (
          <p className="muted" role="status">
            {errorText(detail.error, i18n)}{" "}
            <button className="link" onClick={detail.reload}>
              {t("common.retry")}
            </button>
          </p>
        ) : (
          <p className="muted">{t("common.loading")}</p>
        )}
      </div>
    );
  }
  const phase = contestPhase(c, now);
  const cur = c.currency ?? api.PLAY;
  const when = (ms: number | null) => (ms === null ? "…" : new Date(ms).toLocaleString(locale));
  const modeKey = c.scoring ? `compete.mode.${c.scoring.mode.replace(/_/g, "")}` : null;
  return (
    <div className="contest-page" data-testid="contest-page" data-final={c.final ? "1" : "0"}>
      <section className="card">
        <Link to="/tournaments">{t("compete.back")}</Link>
        <div className="contest-head">
          <h2 className="contest-name" data-testid="contest-name">
            {localName(c.name, locale)}
          </h2>
          <StatusBadges c={c} />
        </div>
        <div className="contest-meta">
          <span className="countdown big-countdown" data-testid="contest-countdown">
            {phaseText(phase, now, i18n)}
          </span>
          {(c.starts_at_ms !== null || c.ends_at_ms !== null) && (
            <span className="muted">{t("compete.window", { start: when(c.starts_at_ms), end: when(c.ends_at_ms) })}</span>
          )}
        </div>
        <dl className="kv">
          <dt>{t("compete.games")}</dt>
          <dd>{c.games.length ? c.games.join(", ") : t("compete.allGames")}</dd>
          {c.scoring && modeKey && (
            <>
              <dt>{t("compete.scoring")}</dt>
              <dd>
                {t(modeKey)}
                {c.scoring.best_n !== null && ` · ${t("compete.bestN", { n: c.scoring.best_n })}`}
                {c.scoring.formula && (
                  <>
                    {" · "}
                    <code>{c.scoring.formula}</code>
                  </>
                )}
                {c.scoring.min_bet > 0 && ` · ${t("compete.minBet", { amount: money(c.scoring.min_bet, cur) })}`}
              </dd>
            </>
          )}
          <dt>{t("compete.entry")}</dt>
          <dd>
            {c.join === "opt_in" ? t("compete.optIn") : t("compete.openJoin")} ·{" "}
            {c.entry_fee > 0 ? t("compete.entryFee", { amount: money(c.entry_fee, cur) }) : t("compete.freeEntry")}
          </dd>
        </dl>
        {canJoin(c, phase) && <JoinBox c={c} onJoined={detail.reload} />}
      </section>
      <div className="contest-grid">
        <section className="card" data-testid="standings-card">
          <h3>
            {t(standings.data?.final ? "compete.standingsFinal" : "compete.standings")}
            {!standings.data?.final && <span className="live-dot" aria-hidden="true" />}
          </h3>
          {standings.error && (
            <p className="muted small" role="status">
              {errorText(standings.error, i18n)}
            </p>
          )}
          {standings.data ? <StandingsView c={c} st={standings.data} names={names} /> : !standings.error && <p className="muted">{t("common.loading")}</p>}
        </section>
        <div>
          {c.final && <ResultView c={c} names={names} />}
          {c.prizes ? (
            <PrizeTableView table={c.prizes} hasFee={c.entry_fee > 0} finalPool={c.final && c.result ? c.result.pool : null} />
          ) : (
            <section className="card muted">{t("compete.noPrizes")}</section>
          )}
          <DrawVerifier c={c} names={names} />
        </div>
      </div>
    </div>
  );
}
